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

/** JMAP Mail (RFC 8621) against a whole node: mail arrives over SMTP and is read, searched, changed and sent over JMAP. */
class JmapMailTest {
    @TempDir
    Path dir;
    TestNode node;
    Account alice;
    JmapHttp jmap;
    String a;

    static final String MULTIPART = """
            From: Bob Example <bob@example.net>\r
            To: alice@example.test, "Carol" <carol@example.net>\r
            Subject: =?UTF-8?Q?Caf=C3=A9?= plans\r
            Date: Tue, 1 Jul 2025 10:00:00 +0000\r
            Message-ID: <plans-1@example.net>\r
            References: <older@example.net>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            --b1\r
            Content-Type: multipart/alternative; boundary="b2"\r
            \r
            --b2\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Let's meet at the caf=C3=A9 on Friday.\r
            --b2\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <p>Let's meet at the caf\u00e9 on <b>Friday</b>.</p>\r
            --b2--\r
            --b1\r
            Content-Type: application/pdf; name="menu.pdf"\r
            Content-Disposition: attachment; filename="menu.pdf"\r
            Content-Transfer-Encoding: base64\r
            \r
            JVBERi0xLjQK\r
            --b1--\r
            """;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        var accounts = new Accounts(node.node.storage(), "example.test");
        alice = accounts.create("alice", "alice-password");
        accounts.create("bob", "bob-password");
        jmap = new JmapHttp(node.jmap(), "alice@example.test", "alice-password");
        a = "\"accountId\": \"a" + alice.id() + "\"";
    }

    @AfterEach
    void stop() {
        node.close();
    }

    void deliver(String to, String message) throws Exception {
        try (var smtp = LineClient.connect("127.0.0.1", node.smtp())) {
            smtp.await("220 ");
            smtp.send("EHLO client.example.net");
            smtp.await("250 ");
            smtp.send("MAIL FROM:<bob@example.net>");
            smtp.await("250 ");
            smtp.send("RCPT TO:<" + to + ">");
            smtp.await("250 ");
            smtp.send("DATA");
            smtp.await("354 ");
            smtp.send(message.replace("\r\n.", "\r\n..") + "\r\n.");
            assertThat(smtp.await("")).startsWith("250 ");
        }
        node.awaitDelivered();
    }

    String mailboxId(String role) throws Exception {
        return jmap.call("Mailbox/query", "{" + a + ", \"filter\": {\"role\": \"" + role + "\"}}").get("ids").get(0).asText();
    }

    List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void mailboxesAreListedCreatedRenamedAndDestroyedWithChanges() throws Exception {
        JsonNode get = jmap.call("Mailbox/get", "{" + a + "}");
        assertThat(get.get("list")).extracting(n -> n.get("role").asText(null)).contains("inbox", "drafts", "sent", "trash", "junk", "archive");
        String state = get.get("state").asText();
        JsonNode set = jmap.call("Mailbox/set", "{" + a + ", \"create\": {\"p\": {\"name\": \"Projects\"}, \"c\": {\"name\": \"Mailroom\", \"parentId\": \"#p\"}}}");
        String parent = set.get("created").get("p").get("id").asText();
        String child = set.get("created").get("c").get("id").asText();
        JsonNode childGet = jmap.call("Mailbox/get", "{" + a + ", \"ids\": [\"" + child + "\"]}").get("list").get(0);
        assertThat(childGet.get("name").asText()).isEqualTo("Mailroom");
        assertThat(childGet.get("parentId").asText()).isEqualTo(parent);
        JsonNode changes = jmap.call("Mailbox/changes", "{" + a + ", \"sinceState\": \"" + state + "\"}");
        assertThat(ids(changes.get("created"))).containsExactlyInAnyOrder(parent, child);
        String state2 = changes.get("newState").asText();
        jmap.call("Mailbox/set", "{" + a + ", \"update\": {\"" + parent + "\": {\"name\": \"Work\"}}}");
        assertThat(node.node.storage().mail().mailbox(alice.id(), "Work/Mailroom")).isPresent();
        JsonNode renamed = jmap.call("Mailbox/changes", "{" + a + ", \"sinceState\": \"" + state2 + "\"}");
        assertThat(ids(renamed.get("updated"))).contains(parent, child);
        JsonNode refused = jmap.call("Mailbox/set", "{" + a + ", \"destroy\": [\"" + parent + "\"]}");
        assertThat(refused.get("notDestroyed").get(parent).get("type").asText()).isEqualTo("mailboxHasChild");
        String state3 = jmap.call("Mailbox/get", "{" + a + ", \"ids\": []}").get("state").asText();
        JsonNode destroyed = jmap.call("Mailbox/set", "{" + a + ", \"destroy\": [\"" + child + "\", \"" + parent + "\"]}");
        assertThat(ids(destroyed.get("destroyed"))).containsExactly(child, parent);
        assertThat(ids(jmap.call("Mailbox/changes", "{" + a + ", \"sinceState\": \"" + state3 + "\"}").get("destroyed"))).containsExactlyInAnyOrder(child, parent);
        assertThat(jmap.call("Mailbox/set", "{" + a + ", \"destroy\": [\"" + mailboxId("inbox") + "\"]}").get("notDestroyed")).isNotNull();
    }

    @Test
    void emailsAreQueriedAndFetchedWithHeadersBodiesAndStructure() throws Exception {
        deliver("alice@example.test", MULTIPART);
        deliver("alice@example.test", "From: bob@example.net\r\nSubject: second\r\n\r\nplain body\r\n");
        String inbox = mailboxId("inbox");
        JsonNode q = jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}, \"sort\": [{\"property\": \"receivedAt\", \"isAscending\": false}], \"calculateTotal\": true}");
        assertThat(q.get("total").asInt()).isEqualTo(2);
        String first = q.get("ids").get(1).asText();
        JsonNode e = jmap.call("Email/get", "{" + a + ", \"ids\": [\"" + first + "\"], \"properties\": [\"subject\", \"from\", \"to\", \"messageId\", \"references\", \"sentAt\", "
                + "\"keywords\", \"mailboxIds\", \"receivedAt\", \"size\", \"threadId\", \"preview\", \"hasAttachment\", \"textBody\", \"htmlBody\", \"attachments\", "
                + "\"bodyStructure\", \"bodyValues\", \"header:Subject\", \"header:To:asAddresses\", \"header:Received:asText:all\"], \"fetchTextBodyValues\": true}").get("list").get(0);
        assertThat(e.get("subject").asText()).isEqualTo("Café plans");
        assertThat(e.get("from").get(0).get("name").asText()).isEqualTo("Bob Example");
        assertThat(e.get("from").get(0).get("email").asText()).isEqualTo("bob@example.net");
        assertThat(e.get("to")).hasSize(2);
        assertThat(e.get("messageId").get(0).asText()).isEqualTo("plans-1@example.net");
        assertThat(e.get("references").get(0).asText()).isEqualTo("older@example.net");
        assertThat(e.get("sentAt").asText()).isEqualTo("2025-07-01T10:00Z");
        assertThat(e.get("mailboxIds").has(inbox)).isTrue();
        assertThat(e.get("hasAttachment").asBoolean()).isTrue();
        assertThat(e.get("preview").asText()).isEqualTo("Let's meet at the café on Friday.");
        assertThat(e.get("textBody").get(0).get("type").asText()).isEqualTo("text/plain");
        assertThat(e.get("htmlBody").get(0).get("type").asText()).isEqualTo("text/html");
        assertThat(e.get("attachments").get(0).get("name").asText()).isEqualTo("menu.pdf");
        assertThat(e.get("bodyStructure").get("type").asText()).isEqualTo("multipart/mixed");
        assertThat(e.get("bodyStructure").get("subParts")).hasSize(2);
        String textPart = e.get("textBody").get(0).get("partId").asText();
        assertThat(e.get("bodyValues").get(textPart).get("value").asText()).contains("café on Friday");
        assertThat(e.get("header:Subject").asText()).isEqualTo(" =?UTF-8?Q?Caf=C3=A9?= plans");
        assertThat(e.get("header:To:asAddresses").get(1).get("name").asText()).isEqualTo("Carol");
        assertThat(e.get("header:Received:asText:all").size()).isGreaterThanOrEqualTo(1);
        // the attachment's bytes, decoded
        String blob = e.get("attachments").get(0).get("blobId").asText();
        var pdf = jmap.get("/jmap/download/a" + alice.id() + "/" + blob + "/menu.pdf?accept=application/pdf");
        assertThat(pdf.body()).startsWith("%PDF-1.4");
        // searches
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"text\": \"friday\"}}").get("ids"))).containsExactly(first);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"subject\": \"second\"}}").get("ids"))).hasSize(1).doesNotContain(first);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"from\": \"bob@example.net\"}}").get("ids"))).hasSize(2);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"to\": \"carol\"}}").get("ids"))).containsExactly(first);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"before\": \"2000-01-01T00:00:00Z\"}}").get("ids"))).isEmpty();
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"after\": \"2000-01-01T00:00:00Z\"}, \"collapseThreads\": true}").get("ids"))).hasSize(2);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"sort\": [{\"property\": \"subject\"}]}").get("ids")).get(0)).isEqualTo(first);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"sort\": [{\"property\": \"size\", \"isAscending\": false}]}").get("ids")).get(0)).isEqualTo(first);
        JsonNode snippet = jmap.call("SearchSnippet/get", "{" + a + ", \"emailIds\": [\"" + first + "\"], \"filter\": {\"text\": \"friday\"}}");
        assertThat(snippet.get("list").get(0).get("preview").asText()).contains("<mark>Friday</mark>");
        JsonNode thread = jmap.call("Thread/get", "{" + a + ", \"ids\": [\"" + e.get("threadId").asText() + "\"]}");
        assertThat(ids(thread.get("list").get(0).get("emailIds"))).containsExactly(first);
    }

    @Test
    void keywordsMovesAndDestroysShowInChangesAndQueryChanges() throws Exception {
        deliver("alice@example.test", "From: bob@example.net\r\nSubject: one\r\n\r\n1\r\n");
        deliver("alice@example.test", "From: bob@example.net\r\nSubject: two\r\n\r\n2\r\n");
        String inbox = mailboxId("inbox"), archive = mailboxId("archive");
        JsonNode q = jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}}");
        String state = q.get("queryState").asText();
        String one = q.get("ids").get(1).asText(), two = q.get("ids").get(0).asText();
        JsonNode set = jmap.call("Email/set", "{" + a + ", \"update\": {\"" + one + "\": {\"keywords/$seen\": true, \"keywords/$flagged\": true}}}");
        assertThat(set.get("updated").has(one)).isTrue();
        JsonNode got = jmap.call("Email/get", "{" + a + ", \"ids\": [\"" + one + "\"], \"properties\": [\"keywords\"]}").get("list").get(0);
        assertThat(got.get("keywords").has("$seen")).isTrue();
        assertThat(got.get("keywords").has("$flagged")).isTrue();
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"hasKeyword\": \"$flagged\"}}").get("ids"))).containsExactly(one);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"notKeyword\": \"$seen\"}}").get("ids"))).containsExactly(two);
        JsonNode changes = jmap.call("Email/changes", "{" + a + ", \"sinceState\": \"" + state + "\"}");
        assertThat(ids(changes.get("updated"))).containsExactly(one);
        String afterFlags = changes.get("newState").asText();
        // a move is the store's MOVE: the old id goes, a new one comes
        JsonNode moved = jmap.call("Email/set", "{" + a + ", \"update\": {\"" + two + "\": {\"mailboxIds\": {\"" + archive + "\": true}}}}");
        String twoNow = moved.get("updated").get(two).get("id").asText();
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + archive + "\"}}").get("ids"))).containsExactly(twoNow);
        JsonNode afterMove = jmap.call("Email/changes", "{" + a + ", \"sinceState\": \"" + afterFlags + "\"}");
        assertThat(ids(afterMove.get("created"))).containsExactly(twoNow);
        assertThat(ids(afterMove.get("destroyed"))).containsExactly(two);
        JsonNode qc = jmap.call("Email/queryChanges", "{" + a + ", \"filter\": {\"inMailbox\": \"" + inbox + "\"}, \"sinceQueryState\": \"" + state + "\"}");
        assertThat(ids(qc.get("removed"))).contains(two);
        assertThat(qc.get("added")).extracting(n -> n.get("id").asText()).containsExactly(one);
        // maxChanges splits the log
        JsonNode limited = jmap.call("Email/changes", "{" + a + ", \"sinceState\": \"" + state + "\", \"maxChanges\": 1}");
        assertThat(limited.get("hasMoreChanges").asBoolean()).isTrue();
        JsonNode destroyed = jmap.call("Email/set", "{" + a + ", \"destroy\": [\"" + one + "\", \"e99-99\"]}");
        assertThat(ids(destroyed.get("destroyed"))).containsExactly(one);
        assertThat(destroyed.get("notDestroyed").get("e99-99").get("type").asText()).isEqualTo("notFound");
        assertThat(ids(jmap.call("Email/changes", "{" + a + ", \"sinceState\": \"" + moved.get("newState").asText() + "\"}").get("destroyed"))).containsExactly(one);
    }

    @Test
    void importParseAndADraftSentThroughEmailSubmission() throws Exception {
        byte[] raw = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: imported\r\n\r\nhello bob\r\n".getBytes(StandardCharsets.UTF_8);
        String blob = JmapHttp.JSON.readTree(jmap.post("/jmap/upload/a" + alice.id() + "/", "message/rfc822", raw).body()).get("blobId").asText();
        JsonNode parsed = jmap.call("Email/parse", "{" + a + ", \"blobIds\": [\"" + blob + "\"], \"fetchTextBodyValues\": true}");
        assertThat(parsed.get("parsed").get(blob).get("subject").asText()).isEqualTo("imported");
        String drafts = mailboxId("drafts"), sent = mailboxId("sent");
        JsonNode imported = jmap.call("Email/import", "{" + a + ", \"emails\": {\"i\": {\"blobId\": \"" + blob + "\", \"mailboxIds\": {\"" + drafts + "\": true}, \"keywords\": {\"$draft\": true}}}}");
        assertThat(imported.get("created")).as(imported.toString()).isNotNull();
        assertThat(imported.get("created").get("i").get("id").asText()).startsWith("e");
        // a new draft made from properties, then sent, then moved to Sent with $draft removed
        JsonNode calls = jmap.api("""
                [["Email/set", {%s, "create": {"d": {"mailboxIds": {"%s": true}, "keywords": {"$draft": true},
                   "from": [{"name": "Alice", "email": "alice@example.test"}], "to": [{"email": "bob@example.test"}],
                   "subject": "Lunch?", "textBody": [{"partId": "t", "type": "text/plain"}], "bodyValues": {"t": {"value": "Noon at the café?"}}}}}, "0"],
                 ["Identity/get", {%s}, "1"],
                 ["EmailSubmission/set", {%s, "create": {"s": {"emailId": "#d", "identityId": "i%s"}},
                   "onSuccessUpdateEmail": {"#s": {"mailboxIds/%s": true, "mailboxIds/%s": null, "keywords/$draft": null}}}, "2"]]
                """.formatted(a, drafts, a, a, alice.id(), sent, drafts)).get("methodResponses");
        assertThat(calls.get(0).get(1).get("created").has("d")).isTrue();
        assertThat(calls.get(2).get(0).asText()).isEqualTo("EmailSubmission/set");
        assertThat(calls.get(2).get(1).get("notCreated").isNull()).as(calls.toString()).isTrue();
        assertThat(calls.get(2).get(1).get("created").get("s").get("id").asText()).startsWith("s");
        assertThat(calls.get(3).get(0).asText()).isEqualTo("Email/set"); // the implicit one of onSuccessUpdateEmail
        assertThat(calls.get(3).get(1).get("updated")).hasSize(1);
        assertThat(ids(jmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + sent + "\"}}").get("ids"))).hasSize(1);
        node.awaitDelivered();
        var bob = new JmapHttp(node.jmap(), "bob@example.test", "bob-password");
        String bobAccount = "\"accountId\": \"" + bob.session().get("primaryAccounts").get("urn:ietf:params:jmap:mail").asText() + "\"";
        JsonNode bobs = bob.call("Email/query", "{" + bobAccount + ", \"filter\": {\"subject\": \"Lunch\"}}");
        assertThat(bobs.get("ids")).hasSize(1);
        JsonNode got = bob.call("Email/get", "{" + bobAccount + ", \"ids\": [\"" + bobs.get("ids").get(0).asText() + "\"], \"fetchTextBodyValues\": true}").get("list").get(0);
        assertThat(got.get("from").get(0).get("name").asText()).isEqualTo("Alice");
        assertThat(got.get("bodyValues").elements().next().get("value").asText()).contains("Noon at the café?");
        // someone else's address is refused
        JsonNode forged = jmap.call("EmailSubmission/set", "{" + a + ", \"create\": {\"x\": {\"emailId\": \"" + imported.get("created").get("i").get("id").asText()
                + "\", \"identityId\": \"i" + alice.id() + "\", \"envelope\": {\"mailFrom\": {\"email\": \"bob@example.test\"}, \"rcptTo\": [{\"email\": \"bob@example.test\"}]}}}}");
        assertThat(forged.get("notCreated").get("x").get("type").asText()).isEqualTo("forbiddenMailFrom");
    }

    @Test
    void theVacationResponseIsSievesOutOfOffice() throws Exception {
        JsonNode v = jmap.call("VacationResponse/get", "{" + a + "}").get("list").get(0);
        assertThat(v.get("isEnabled").asBoolean()).isFalse();
        JsonNode set = jmap.call("VacationResponse/set", "{" + a + ", \"update\": {\"singleton\": {\"isEnabled\": true, \"fromDate\": \"2030-01-01T00:00:00Z\", "
                + "\"toDate\": \"2030-01-10T00:00:00Z\", \"subject\": \"Away\", \"textBody\": \"Back on the 11th.\"}}}");
        assertThat(set.get("updated").has("singleton")).isTrue();
        var rules = new mailroom.sieve.AccountRules(node.node.storage());
        var ooo = rules.vacation(alice.id()).orElseThrow();
        assertThat(ooo.from()).hasToString("2030-01-01");
        assertThat(ooo.until()).hasToString("2030-01-10");
        assertThat(ooo.body()).isEqualTo("Back on the 11th.");
        v = jmap.call("VacationResponse/get", "{" + a + "}").get("list").get(0);
        assertThat(v.get("isEnabled").asBoolean()).isTrue();
        assertThat(v.get("subject").asText()).isEqualTo("Away");
        jmap.call("VacationResponse/set", "{" + a + ", \"update\": {\"singleton\": {\"isEnabled\": false}}}");
        assertThat(rules.vacation(alice.id())).isEmpty();
        JsonNode identity = jmap.call("Identity/get", "{" + a + "}").get("list").get(0);
        assertThat(identity.get("email").asText()).isEqualTo("alice@example.test");
    }
}
