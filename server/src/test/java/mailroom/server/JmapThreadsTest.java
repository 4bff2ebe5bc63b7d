package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Threads that join replies (by In-Reply-To and References), Thread/get and collapseThreads, the
 * common Email/query answered from the arrival index giving what the general path gives, and
 * Email/copy with its account checks. Mail comes in over SMTP; the node listens on 127.0.17.1.
 */
class JmapThreadsTest {
    static final String HOST = "127.0.17.1";

    @TempDir
    Path dir;
    TestNode node;
    Account alice, bob;
    JmapHttp jmap;
    String a;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"), c -> c.node.bind = HOST);
        var accounts = new Accounts(node.node.storage(), "example.test");
        alice = accounts.create("alice", "alice-password");
        bob = accounts.create("bob", "bob-password");
        jmap = new JmapHttp(HOST, node.jmap(), "alice@example.test", "alice-password");
        a = "\"accountId\": \"a" + alice.id() + "\"";
    }

    @AfterEach
    void stop() {
        node.close();
    }

    void deliver(String headers) throws Exception {
        LineClient.transaction(HOST, node.smtp(), "carol@example.net", "alice@example.test", "From: carol@example.net\r\nTo: alice@example.test\r\n" + headers + "\r\n\r\nbody\r\n");
        node.awaitDelivered();
    }

    String mailboxId(String role) throws Exception {
        return jmap.call("Mailbox/query", "{" + a + ", \"filter\": {\"role\": \"" + role + "\"}}").get("ids").get(0).asText();
    }

    static List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The Email whose Message-ID starts so, with its thread. */
    JsonNode email(String messageId) throws Exception {
        JsonNode found = jmap.call("Email/query", "{" + a + ", \"filter\": {\"header\": [\"Message-ID\", \"<" + messageId + "@\"]}}").get("ids");
        assertThat(found).as(messageId).hasSize(1);
        String id = found.get(0).asText();
        return jmap.call("Email/get", "{" + a + ", \"ids\": [\"" + id + "\"], \"properties\": [\"threadId\", \"receivedAt\", \"mailboxIds\"]}").get("list").get(0);
    }

    String query(String inbox, String rest) throws Exception {
        return jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}" + rest + "}").toString();
    }

    @Test
    void repliesJoinTheirThreadWhichListsItsEmailsOldestFirstAndCollapses() throws Exception {
        String inbox = mailboxId("inbox"), archive = mailboxId("archive");
        deliver("Subject: plans\r\nMessage-ID: <root@example.net>");
        String before = jmap.call("Thread/changes", "{" + a + ", \"sinceState\": \"" + jmap.call("Email/get", "{" + a + ", \"ids\": []}").get("state").asText() + "\"}").get("newState").asText();
        deliver("Subject: other\r\nMessage-ID: <other@example.net>");
        deliver("Subject: Re: plans\r\nMessage-ID: <r1@example.net>\r\nIn-Reply-To: <root@example.net>");
        deliver("Subject: Re: Re: plans\r\nMessage-ID: <r2@example.net>\r\nReferences: <root@example.net>\r\n <r1@example.net>");
        deliver("Subject: plans\r\nMessage-ID: <unrelated@example.net>"); // the same subject alone is not a reply

        JsonNode root = email("root"), r1 = email("r1"), r2 = email("r2"), other = email("other");
        String thread = root.get("threadId").asText();
        assertThat(r1.get("threadId").asText()).isEqualTo(thread);
        assertThat(r2.get("threadId").asText()).isEqualTo(thread);
        assertThat(other.get("threadId").asText()).isNotEqualTo(thread);
        String unrelated = email("unrelated").get("id").asText();
        assertThat(email("unrelated").get("threadId").asText()).isNotEqualTo(thread);

        // a reply imported into another mailbox joins too, and Thread/get lists all, oldest first
        byte[] raw = "From: alice@example.test\r\nSubject: Re: plans\r\nMessage-ID: <mine@example.test>\r\nIn-Reply-To: <r2@example.net>\r\n\r\nyes\r\n".getBytes(StandardCharsets.UTF_8);
        String blob = JmapHttp.JSON.readTree(jmap.post("/jmap/upload/a" + alice.id() + "/", "message/rfc822", raw).body()).get("blobId").asText();
        JsonNode imported = jmap.call("Email/import", "{" + a + ", \"emails\": {\"m\": {\"blobId\": \"" + blob + "\", \"mailboxIds\": {\"" + archive
                + "\": true}, \"receivedAt\": \"2030-01-01T00:00:00Z\"}}}").get("created").get("m");
        assertThat(imported.get("threadId").asText()).isEqualTo(thread);
        JsonNode got = jmap.call("Thread/get", "{" + a + ", \"ids\": [\"" + thread + "\", \"t999-1\"]}");
        assertThat(ids(got.get("list").get(0).get("emailIds"))).containsExactly(root.get("id").asText(), r1.get("id").asText(), r2.get("id").asText(),
                imported.get("id").asText());
        assertThat(ids(got.get("notFound"))).containsExactly("t999-1");
        JsonNode changes = jmap.call("Thread/changes", "{" + a + ", \"sinceState\": \"" + before + "\"}");
        assertThat(ids(changes.get("updated"))).contains(thread);
        assertThat(ids(changes.get("created"))).contains(other.get("threadId").asText()).doesNotContain(thread);

        // collapseThreads: the newest Email of each thread, in the INBOX
        String collapsed = query(inbox, ", \"sort\": [{\"property\": \"receivedAt\", \"isAscending\": false}], \"collapseThreads\": true, \"calculateTotal\": true");
        JsonNode c = JmapHttp.JSON.readTree(collapsed);
        assertThat(ids(c.get("ids"))).containsExactly(unrelated, r2.get("id").asText(), other.get("id").asText());
        assertThat(c.get("total").asInt()).isEqualTo(3);
        assertThat(ids(JmapHttp.JSON.readTree(query(inbox, ", \"collapseThreads\": true, \"position\": 1, \"limit\": 1")).get("ids"))).containsExactly(r2.get("id").asText());
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"collapseThreads\": true}").get("ids"))).as("across mailboxes")
                .containsExactly(imported.get("id").asText(), unrelated, other.get("id").asText());
    }

    @Test
    void theArrivalIndexAnswersAsTheGeneralQueryDoes() throws Exception {
        String inbox = mailboxId("inbox");
        for (int i = 0; i < 12; i++) deliver("Subject: m" + i + "\r\nMessage-ID: <m" + i + "@example.net>" + (i % 3 == 2 ? "\r\nIn-Reply-To: <m" + (i - 1) + "@example.net>" : ""));
        // the general path: the same filter, written so that only the general path takes it
        String general = "\"filter\": {\"operator\": \"AND\", \"conditions\": [{\"inMailbox\": \"" + inbox + "\"}]}";
        for (String window : List.of("", ", \"limit\": 5", ", \"position\": 3, \"limit\": 4", ", \"position\": 11, \"limit\": 4", ", \"position\": 30",
                ", \"collapseThreads\": true", ", \"collapseThreads\": true, \"position\": 2, \"limit\": 3")) {
            for (String sort : List.of("", ", \"sort\": [{\"property\": \"receivedAt\", \"isAscending\": false}]")) {
                String rest = sort + window + ", \"calculateTotal\": true";
                JsonNode fast = jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}" + rest + "}");
                JsonNode slow = jmap.call("Email/query", "{" + a + ", " + general + rest + "}");
                assertThat(ids(fast.get("ids"))).as(rest).isEqualTo(ids(slow.get("ids")));
                assertThat(fast.get("total")).as(rest).isEqualTo(slow.get("total"));
                assertThat(fast.get("queryState")).isEqualTo(slow.get("queryState"));
            }
        }
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"m99999\"}}").get("ids"))).isEmpty();
        JsonNode newest = jmap.call("Email/get", "{" + a + ", \"ids\": [\"" + jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox
                + "\"}, \"limit\": 1}").get("ids").get(0).asText() + "\"], \"properties\": [\"subject\"]}");
        assertThat(newest.get("list").get(0).get("subject").asText()).isEqualTo("m11");
    }

    @Test
    void emailCopyFilesACopyInTheAccountAndNamesTheAccountsItCannotReach() throws Exception {
        deliver("Subject: keep this\r\nMessage-ID: <keep@example.net>");
        String inbox = mailboxId("inbox"), archive = mailboxId("archive");
        JsonNode original = email("keep");
        String id = original.get("id").asText();
        jmap.call("Email/set", "{" + a + ", \"update\": {\"" + id + "\": {\"keywords/$flagged\": true}}}");
        String mine = "\"a" + alice.id() + "\"", bobs = "\"a" + bob.id() + "\"";

        JsonNode copy = jmap.call("Email/copy", "{\"fromAccountId\": " + mine + ", \"accountId\": " + mine + ", \"create\": {\"c\": {\"id\": \"" + id
                + "\", \"mailboxIds\": {\"" + archive + "\": true}}, \"gone\": {\"id\": \"e999-1\", \"mailboxIds\": {\"" + archive + "\": true}}}}");
        String copied = copy.get("created").get("c").get("id").asText();
        assertThat(copy.get("notCreated").get("gone").get("type").asText()).isEqualTo("notFound");
        JsonNode got = jmap.call("Email/get", "{" + a + ", \"ids\": [\"" + copied + "\"], \"properties\": [\"mailboxIds\", \"keywords\", \"receivedAt\", \"threadId\", \"subject\"]}").get("list").get(0);
        assertThat(got.get("mailboxIds").has(archive)).isTrue();
        assertThat(got.get("keywords").has("$flagged")).as("keeps its keywords").isTrue();
        assertThat(got.get("receivedAt")).isEqualTo(original.get("receivedAt"));
        assertThat(got.get("threadId")).as("same Message-ID, same thread").isEqualTo(original.get("threadId"));
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}}").get("ids"))).containsExactly(id);

        // onSuccessDestroyOriginal: an implicit Email/set destroys it after the copy
        JsonNode both = jmap.api("[[\"Email/copy\", {\"fromAccountId\": " + mine + ", \"accountId\": " + mine + ", \"onSuccessDestroyOriginal\": true, \"create\": {\"m\": {\"id\": \""
                + id + "\", \"mailboxIds\": {\"" + archive + "\": true}, \"keywords\": {}}}}, \"0\"]]").get("methodResponses");
        assertThat(both.get(1).get(0).asText()).isEqualTo("Email/set");
        assertThat(ids(both.get(1).get(1).get("destroyed"))).containsExactly(id);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}}").get("ids"))).isEmpty();

        // another account: until sharing, a login reaches only its own (RFC 8620 section 5.4 errors)
        String from = jmap.responseName("Email/copy", "{\"fromAccountId\": " + bobs + ", \"accountId\": " + mine + ", \"create\": {}}");
        assertThat(from).isEqualTo("error");
        assertThat(jmap.call("Email/copy", "{\"fromAccountId\": " + bobs + ", \"accountId\": " + mine + ", \"create\": {}}").get("type").asText()).isEqualTo("fromAccountNotFound");
        assertThat(jmap.call("Email/copy", "{\"fromAccountId\": " + mine + ", \"accountId\": " + bobs + ", \"create\": {\"x\": {\"id\": \"" + copied
                + "\", \"mailboxIds\": {\"m1\": true}}}}").get("type").asText()).isEqualTo("accountNotFound");
        assertThat(node.node.storage().mail().messages(bob.id(), node.node.storage().mail().mailbox(bob.id(), "INBOX").map(m -> m.id()).orElse(-1L))).isEmpty();
    }
}
