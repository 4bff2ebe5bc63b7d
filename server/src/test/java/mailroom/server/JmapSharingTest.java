package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.sharing.Shares;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JMAP over shared mailboxes (issue 18 item 7, RFC 9670): another account appears in a reader's
 * session as soon as one of its mailboxes is shared with it, and every Mail method keeps to the
 * same IMAP access lists (RFC 4314) as IMAP does: what the reader may see, read, flag, add, remove,
 * its own \Seen, copies between the accounts, shareWith written by the owner and read by IMAP
 * GETACL, principals to share with, push for the other account, and sending as a role account.
 */
class JmapSharingTest {
    @TempDir
    Path dir;

    private TestNode node;
    private Account alice, bob, carol;
    private JmapHttp aliceJmap, bobJmap, carolJmap;
    private String a, b; // "accountId" arguments of alice's and bob's accounts

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        var accounts = new Accounts(node.node.storage(), "example.test");
        alice = accounts.create("alice", "alice-password");
        bob = accounts.create("bob", "bob-password");
        carol = accounts.create("carol", "carol-password");
        aliceJmap = new JmapHttp(node.jmap(), "alice@example.test", "alice-password");
        bobJmap = new JmapHttp(node.jmap(), "bob@example.test", "bob-password");
        carolJmap = new JmapHttp(node.jmap(), "carol@example.test", "carol-password");
        a = "\"accountId\": \"a" + alice.id() + "\"";
        b = "\"accountId\": \"a" + bob.id() + "\"";
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private String mailbox(JmapHttp client, String account, String name) throws Exception {
        for (JsonNode m : client.call("Mailbox/get", "{" + account + "}").get("list")) if (m.get("name").asText().equals(name)) return m.get("id").asText();
        throw new AssertionError("no mailbox " + name);
    }

    @Test
    void aReaderWorksInTheOwnersAccountWithinItsRightsAndWithItsOwnSeen() throws Exception {
        LineClient.sendMail("127.0.0.1", node.smtp(), "friend@remote.test", "alice@example.test", "first");
        LineClient.sendMail("127.0.0.1", node.smtp(), "friend@remote.test", "alice@example.test", "second");
        node.awaitDelivered();
        JsonNode made = aliceJmap.call("Mailbox/set", "{" + a + ", \"create\": {\"p\": {\"name\": \"Projects\"}, \"h\": {\"name\": \"Hidden\"}}}");
        String projects = made.get("created").get("p").get("id").asText(), hidden = made.get("created").get("h").get("id").asText();
        String inbox = mailbox(aliceJmap, a, "INBOX");
        String hiddenMail = aliceJmap.call("Email/set", "{" + a + ", \"create\": {\"x\": {\"mailboxIds\": {\"" + hidden + "\": true}, \"subject\": \"secret\","
                + " \"bodyValues\": {\"t\": {\"value\": \"s\"}}, \"textBody\": [{\"partId\": \"t\", \"type\": \"text/plain\"}]}}}").get("created").get("x").get("id").asText();

        // the principal to share with, found as RFC 9670 section 3.3 says
        JsonNode found = aliceJmap.call("Principal/query", "{" + a + ", \"filter\": {\"email\": \"bob@\"}}");
        assertThat(found.get("ids")).hasSize(1);
        String bobPrincipal = found.get("ids").get(0).asText();
        JsonNode principal = aliceJmap.call("Principal/get", "{" + a + ", \"ids\": [\"" + bobPrincipal + "\"]}").get("list").get(0);
        assertThat(principal.get("type").asText()).isEqualTo("individual");
        assertThat(principal.get("email").asText()).isEqualTo("bob@example.test");

        // alice shares her INBOX with bob to read and mark read; Projects he may only see (IMAP SETACL); Hidden not at all
        JsonNode shared = aliceJmap.call("Mailbox/set", "{" + a + ", \"update\": {\"" + inbox + "\": {\"shareWith/" + bobPrincipal
                + "\": {\"mayReadItems\": true, \"maySetSeen\": true}}}}");
        assertThat(shared.get("updated").has(inbox)).as(shared.toString()).isTrue();
        try (var imap = LineClient.connect("127.0.0.1", node.imap())) {
            imap.await("* OK");
            imap.send("a LOGIN alice@example.test alice-password");
            imap.await("a OK");
            imap.send("b GETACL INBOX");
            assertThat(imap.await("* ACL")).contains("bob@example.test lrs");
            imap.send("c SETACL Projects bob@example.test l");
            imap.await("c OK");
        }
        JsonNode aliceInbox = aliceJmap.call("Mailbox/get", "{" + a + ", \"ids\": [\"" + inbox + "\"], \"properties\": [\"shareWith\", \"myRights\"]}").get("list").get(0);
        assertThat(aliceInbox.get("shareWith").get(bobPrincipal).get("maySetSeen").asBoolean()).isTrue();
        assertThat(aliceInbox.get("shareWith").get(bobPrincipal).get("maySetKeywords").asBoolean()).isFalse();
        assertThat(aliceInbox.get("myRights").get("mayShare").asBoolean()).as("the owner holds every right").isTrue();

        // bob's session lists alice's account, not personal, with Mail only; carol's does not
        JsonNode session = bobJmap.session();
        JsonNode theirs = session.get("accounts").get("a" + alice.id());
        assertThat(theirs.get("isPersonal").asBoolean()).isFalse();
        assertThat(theirs.get("isReadOnly").asBoolean()).as("\\Seen may change").isFalse();
        assertThat(theirs.get("accountCapabilities").has("urn:ietf:params:jmap:mail")).isTrue();
        assertThat(theirs.get("accountCapabilities").has("urn:ietf:params:jmap:submission")).isFalse();
        assertThat(theirs.get("accountCapabilities").get("urn:ietf:params:jmap:principals:owner").get("principalId").asText()).isEqualTo("p" + alice.id());
        assertThat(session.get("primaryAccounts").get("urn:ietf:params:jmap:mail").asText()).isEqualTo("a" + bob.id());
        assertThat(carolJmap.session().get("accounts").has("a" + alice.id())).isFalse();
        assertThat(carolJmap.call("Mailbox/get", "{" + a + "}").get("type").asText()).isEqualTo("accountNotFound");

        // bob was told, once for each change (RFC 9670 section 4), and dismisses the first note
        JsonNode notes = bobJmap.call("ShareNotification/get", "{" + b + "}");
        assertThat(notes.get("list")).hasSize(2);
        JsonNode note = notes.get("list").get(0);
        assertThat(note.get("objectType").asText()).isEqualTo("Mailbox");
        assertThat(note.get("objectAccountId").asText()).isEqualTo("a" + alice.id());
        assertThat(note.get("objectId").asText()).isEqualTo(inbox);
        assertThat(note.get("changedBy").get("principalId").asText()).isEqualTo("p" + alice.id());
        assertThat(note.get("oldRights").isNull()).isTrue();
        assertThat(note.get("newRights").get("maySetSeen").asBoolean()).isTrue();
        assertThat(notes.get("list").get(1).get("objectId").asText()).as("the IMAP SETACL").isEqualTo(projects);
        JsonNode dismissed = bobJmap.call("ShareNotification/set", "{" + b + ", \"destroy\": [\"" + note.get("id").asText() + "\"], \"create\": {\"x\": {}}}");
        assertThat(dismissed.get("destroyed")).hasSize(1);
        assertThat(dismissed.get("notCreated").get("x").get("type").asText()).isEqualTo("forbidden");
        assertThat(bobJmap.call("ShareNotification/query", "{" + b + ", \"filter\": {\"objectAccountId\": \"a" + alice.id() + "\"}}").get("ids")).hasSize(1);
        assertThat(carolJmap.call("ShareNotification/get", "{\"accountId\": \"a" + carol.id() + "\"}").get("list")).isEmpty();
        assertThat(bobJmap.call("ShareNotification/get", "{" + a + "}").get("type").asText()).as("in bob's own account only")
                .isEqualTo("accountNotSupportedByMethod");

        // what bob sees of alice's mailboxes, and his rights there
        JsonNode boxes = bobJmap.call("Mailbox/get", "{" + a + "}").get("list");
        assertThat(boxes).extracting(m -> m.get("name").asText()).containsExactlyInAnyOrder("INBOX", "Projects");
        JsonNode bobInbox = boxes.get(boxes.get(0).get("name").asText().equals("INBOX") ? 0 : 1);
        assertThat(bobInbox.get("myRights").get("mayReadItems").asBoolean()).isTrue();
        assertThat(bobInbox.get("myRights").get("maySetKeywords").asBoolean()).isFalse();
        assertThat(bobInbox.get("myRights").get("mayShare").asBoolean()).isFalse();
        assertThat(bobInbox.get("shareWith").isNull()).as("only who may share sees the list").isTrue();
        assertThat(bobJmap.call("Mailbox/get", "{" + a + ", \"ids\": [\"" + hidden + "\"]}").get("notFound")).hasSize(1);

        // reading: INBOX's two messages only; Projects is empty for him; Hidden's message is not there
        JsonNode query = bobJmap.call("Email/query", "{" + a + ", \"sort\": [{\"property\": \"receivedAt\", \"isAscending\": true}]}");
        assertThat(query.get("ids")).hasSize(2);
        String first = query.get("ids").get(0).asText();
        assertThat(bobJmap.call("Email/query", "{" + a + ", \"filter\": {\"inMailbox\": \"" + projects + "\"}}").get("ids")).isEmpty();
        assertThat(bobJmap.call("Email/get", "{" + a + ", \"ids\": [\"" + hiddenMail + "\"]}").get("notFound")).hasSize(1);
        assertThat(bobJmap.get("/jmap/download/a" + alice.id() + "/b" + hiddenMail.substring(1) + "/x.eml").statusCode()).isEqualTo(404);
        assertThat(bobJmap.get("/jmap/download/a" + alice.id() + "/b" + first.substring(1) + "/first.eml").body()).contains("Subject: first");

        // his \Seen is his own; the flags others see he may not change
        JsonNode seen = bobJmap.call("Email/set", "{" + a + ", \"update\": {\"" + first + "\": {\"keywords/$seen\": true}}}");
        assertThat(seen.get("updated").has(first)).as(seen.toString()).isTrue();
        assertThat(keywords(bobJmap, a, first).has("$seen")).isTrue();
        assertThat(keywords(aliceJmap, a, first).has("$seen")).as("alice has not read it").isFalse();
        assertThat(unread(bobJmap, inbox)).isEqualTo(1);
        assertThat(unread(aliceJmap, inbox)).isEqualTo(2);
        JsonNode flagged = bobJmap.call("Email/set", "{" + a + ", \"update\": {\"" + first + "\": {\"keywords/$flagged\": true}}, \"destroy\": [\"" + first + "\"]}");
        assertThat(flagged.get("notUpdated").get(first).get("type").asText()).isEqualTo("forbidden");
        assertThat(flagged.get("notDestroyed").get(first).get("type").asText()).isEqualTo("forbidden");
        assertThat(keywords(aliceJmap, a, first).has("$flagged")).isFalse();
        JsonNode noChild = bobJmap.call("Mailbox/set", "{" + a + ", \"create\": {\"c\": {\"name\": \"Mine\"}, \"d\": {\"name\": \"Below\", \"parentId\": \"" + inbox + "\"}}}");
        assertThat(noChild.get("notCreated").get("c").get("type").asText()).isEqualTo("forbidden");
        assertThat(noChild.get("notCreated").get("d").get("type").asText()).isEqualTo("forbidden");
        JsonNode noShare = bobJmap.call("Mailbox/set", "{" + a + ", \"update\": {\"" + inbox + "\": {\"shareWith/p" + carol.id() + "\": {\"mayReadItems\": true}}}}");
        assertThat(noShare.get("notUpdated").get(inbox).get("type").asText()).isEqualTo("forbidden");
        JsonNode adding = bobJmap.call("Email/set", "{" + a + ", \"create\": {\"n\": {\"mailboxIds\": {\"" + inbox + "\": true}, \"subject\": \"from bob\","
                + " \"bodyValues\": {\"t\": {\"value\": \"b\"}}, \"textBody\": [{\"partId\": \"t\", \"type\": \"text/plain\"}]}}}");
        assertThat(adding.get("notCreated").get("n").get("type").asText()).as("no \"i\"").isEqualTo("forbidden");

        // a copy into his own account (RFC 8620 section 5.4), keeping his view of the keywords
        String bobInboxId = mailbox(bobJmap, b, "INBOX");
        JsonNode copied = bobJmap.call("Email/copy", "{\"fromAccountId\": \"a" + alice.id() + "\", " + b + ", \"create\": {\"k\": {\"id\": \"" + first
                + "\", \"mailboxIds\": {\"" + bobInboxId + "\": true}}}}");
        String copy = copied.get("created").get("k").get("id").asText();
        assertThat(keywords(bobJmap, b, copy).has("$seen")).isTrue();
        JsonNode copyBack = bobJmap.call("Email/copy", "{\"fromAccountId\": \"a" + bob.id() + "\", " + a + ", \"create\": {\"k\": {\"id\": \"" + copy
                + "\", \"mailboxIds\": {\"" + inbox + "\": true}}}}");
        assertThat(copyBack.get("notCreated").get("k").get("type").asText()).as("alice's INBOX takes nothing from him").isEqualTo("forbidden");
        assertThat(bobJmap.call("Email/copy", "{\"fromAccountId\": \"a" + carol.id() + "\", " + b + ", \"create\": {}}").get("type").asText())
                .isEqualTo("fromAccountNotFound");

        // alice takes the INBOX back: its mail is gone for bob, Projects still shows
        aliceJmap.call("Mailbox/set", "{" + a + ", \"update\": {\"" + inbox + "\": {\"shareWith\": null}}}");
        assertThat(bobJmap.call("Email/query", "{" + a + "}").get("ids")).isEmpty();
        assertThat(bobJmap.call("Mailbox/get", "{" + a + "}").get("list")).extracting(m -> m.get("name").asText()).containsExactly("Projects");
    }

    private static JsonNode keywords(JmapHttp client, String account, String id) throws Exception {
        return client.call("Email/get", "{" + account + ", \"ids\": [\"" + id + "\"], \"properties\": [\"keywords\"]}").get("list").get(0).get("keywords");
    }

    private long unread(JmapHttp client, String mailboxId) throws Exception {
        return client.call("Mailbox/get", "{" + a + ", \"ids\": [\"" + mailboxId + "\"], \"properties\": [\"unreadEmails\"]}").get("list").get(0).get("unreadEmails").asLong();
    }

    @Test
    void aDeskMemberIsPushedTheDesksMailAndSendsAsTheDesk() throws Exception {
        var accounts = new Accounts(node.node.storage(), "example.test");
        Account desk = accounts.createWithHash("helpdesk", ""); // a role account, as `mailroom user add helpdesk --role` makes it
        var shares = new Shares(accounts);
        shares.share(shares.mailbox("helpdesk@example.test"), "bob@example.test", "lrswip");

        // push names the desk's account when mail comes for it
        var request = HttpRequest.newBuilder(URI.create(bobJmap.base + "/jmap/eventsource/?types=*&closeafter=no&ping=5"))
                .header("Authorization", bobJmap.authorization).GET().build();
        HttpResponse<Stream<String>> response = bobJmap.http.send(request, HttpResponse.BodyHandlers.ofLines());
        BlockingQueue<JsonNode> events = new ArrayBlockingQueue<>(100);
        Thread.ofVirtual().start(() -> {
            Iterator<String> lines = response.body().iterator();
            try {
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.startsWith("data: ")) events.add(JmapHttp.JSON.readTree(line.substring(6)));
                }
            } catch (Exception e) {
                // closed by the test
            }
        });
        try {
            JsonNode initial = events.poll(5, TimeUnit.SECONDS);
            assertThat(initial.get("changed").has("a" + desk.id())).as(initial.toString()).isTrue();
            LineClient.sendMail("127.0.0.1", node.smtp(), "customer@remote.test", "helpdesk@example.test", "help please");
            JsonNode change = events.poll(5, TimeUnit.SECONDS);
            assertThat(change).as("a StateChange for the desk").isNotNull();
            assertThat(change.get("changed").get("a" + desk.id()).has("EmailDelivery")).isTrue();
        } finally {
            response.body().close();
        }

        // an identity with the desk's address: bob may have one, carol may not
        String deskIdentity = bobJmap.call("Identity/set", "{" + b + ", \"create\": {\"d\": {\"name\": \"Help Desk\", \"email\": \"helpdesk@example.test\"}}}")
                .get("created").get("d").get("id").asText();
        JsonNode refused = carolJmap.call("Identity/set", "{\"accountId\": \"a" + carol.id() + "\", \"create\": {\"d\": {\"email\": \"helpdesk@example.test\"}}}");
        assertThat(refused.get("notCreated").get("d").get("type").asText()).isEqualTo("forbiddenFrom");

        // bob answers from his own account as the desk: Sender names him, the desk's Sent keeps a copy
        String drafts = bobJmap.call("Mailbox/query", "{" + b + ", \"filter\": {\"role\": \"drafts\"}}").get("ids").get(0).asText();
        String draft = bobJmap.call("Email/set", "{" + b + ", \"create\": {\"d\": {\"mailboxIds\": {\"" + drafts + "\": true}, \"from\": [{\"name\": \"Help Desk\", \"email\": \"helpdesk@example.test\"}],"
                + " \"to\": [{\"email\": \"carol@example.test\"}], \"subject\": \"answered\", \"bodyValues\": {\"t\": {\"value\": \"done\"}},"
                + " \"textBody\": [{\"partId\": \"t\", \"type\": \"text/plain\"}]}}}").get("created").get("d").get("id").asText();
        JsonNode sent = bobJmap.call("EmailSubmission/set", "{" + b + ", \"create\": {\"s\": {\"emailId\": \"" + draft + "\", \"identityId\": \"" + deskIdentity + "\"}}}");
        assertThat(sent.get("created").has("s")).as(sent.toString()).isTrue();
        String c = "\"accountId\": \"a" + carol.id() + "\"";
        await().atMost(Duration.ofSeconds(20)).until(() -> carolJmap.call("Email/query", "{" + c + ", \"filter\": {\"subject\": \"answered\"}}").get("ids").size() == 1);
        String received = carolJmap.call("Email/query", "{" + c + ", \"filter\": {\"subject\": \"answered\"}}").get("ids").get(0).asText();
        JsonNode headers = carolJmap.call("Email/get", "{" + c + ", \"ids\": [\"" + received + "\"], \"properties\": [\"from\", \"sender\"]}").get("list").get(0);
        assertThat(headers.get("from").get(0).get("email").asText()).isEqualTo("helpdesk@example.test");
        assertThat(headers.get("sender").get(0).get("email").asText()).isEqualTo("bob@example.test");
        var deskSent = node.node.storage().mail().mailbox(desk.id(), "Sent").orElseThrow();
        assertThat(node.node.storage().mail().messages(desk.id(), deskSent.id())).hasSize(1);

        // without "p" the desk's address is refused at submission
        shares.share(shares.mailbox("helpdesk@example.test"), "bob@example.test", "lrswi");
        String again = bobJmap.call("Email/set", "{" + b + ", \"create\": {\"d\": {\"mailboxIds\": {\"" + drafts + "\": true}, \"from\": [{\"email\": \"helpdesk@example.test\"}],"
                + " \"to\": [{\"email\": \"carol@example.test\"}], \"subject\": \"again\", \"bodyValues\": {\"t\": {\"value\": \"x\"}},"
                + " \"textBody\": [{\"partId\": \"t\", \"type\": \"text/plain\"}]}}}").get("created").get("d").get("id").asText();
        JsonNode denied = bobJmap.call("EmailSubmission/set", "{" + b + ", \"create\": {\"s\": {\"emailId\": \"" + again + "\", \"identityId\": \"" + deskIdentity + "\"}}}");
        assertThat(denied.get("notCreated").get("s").get("type").asText()).as(denied.toString()).isIn("forbiddenFrom", "forbiddenMailFrom", "invalidProperties");
    }
}
