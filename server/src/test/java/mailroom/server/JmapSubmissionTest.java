package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Identity/set (stored per account, only addresses the account may send as) and EmailSubmission's
 * delayed sending and undo (RFC 8621 section 7 with FUTURERELEASE): a held submission is pending
 * and can be canceled before it leaves; one released cannot. The node listens on 127.0.17.1.
 */
class JmapSubmissionTest {
    static final String HOST = "127.0.17.1";

    @TempDir
    Path dir;
    TestNode node;
    Account alice, bob;
    JmapHttp jmap, bobJmap;
    String a, b;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"), c -> c.node.bind = HOST);
        var accounts = new Accounts(node.node.storage(), "example.test");
        alice = accounts.create("alice", "alice-password");
        bob = accounts.create("bob", "bob-password");
        jmap = new JmapHttp(HOST, node.jmap(), "alice@example.test", "alice-password");
        bobJmap = new JmapHttp(HOST, node.jmap(), "bob@example.test", "bob-password");
        a = "\"accountId\": \"a" + alice.id() + "\"";
        b = "\"accountId\": \"a" + bob.id() + "\"";
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void identitiesAreCreatedChangedAndDestroyedForAddressesTheAccountMaySendAs() throws Exception {
        JsonNode own = jmap.call("Identity/get", "{" + a + "}");
        assertThat(own.get("list")).hasSize(1);
        String ownId = own.get("list").get(0).get("id").asText();
        assertThat(own.get("list").get(0).get("mayDelete").asBoolean()).isFalse();
        String state = own.get("state").asText();

        JsonNode set = jmap.call("Identity/set", "{" + a + ", \"create\": {"
                + "\"work\": {\"name\": \"Alice at work\", \"email\": \"alice+work@example.test\", \"replyTo\": [{\"name\": \"Desk\", \"email\": \"desk@example.test\"}], \"textSignature\": \"-- A\"},"
                + "\"theirs\": {\"name\": \"Not me\", \"email\": \"bob@example.test\"},"
                + "\"bad\": {\"email\": \"alice@example.test\", \"replyTo\": \"desk\"}},"
                + "\"update\": {\"" + ownId + "\": {\"name\": \"Alice Example\", \"htmlSignature\": \"<p>A</p>\"}}}");
        String work = set.get("created").get("work").get("id").asText();
        assertThat(set.get("created").get("work").get("mayDelete").asBoolean()).isTrue();
        assertThat(set.get("notCreated").get("theirs").get("type").asText()).isEqualTo("forbiddenFrom");
        assertThat(set.get("notCreated").get("bad").get("type").asText()).isEqualTo("invalidProperties");
        assertThat(set.get("updated").has(ownId)).isTrue();
        assertThat(set.get("newState").asText()).isNotEqualTo(state);

        JsonNode all = jmap.call("Identity/get", "{" + a + "}").get("list");
        assertThat(all).hasSize(2);
        assertThat(all.get(0).get("name").asText()).isEqualTo("Alice Example");
        assertThat(all.get(0).get("htmlSignature").asText()).isEqualTo("<p>A</p>");
        assertThat(all.get(1).get("email").asText()).isEqualTo("alice+work@example.test");
        assertThat(all.get(1).get("replyTo").get(0).get("email").asText()).isEqualTo("desk@example.test");
        assertThat(all.get(1).get("textSignature").asText()).isEqualTo("-- A");
        assertThat(bobJmap.call("Identity/get", "{" + b + "}").get("list")).as("per account").hasSize(1);

        assertThat(jmap.call("Identity/changes", "{" + a + ", \"sinceState\": \"" + state + "\"}").get("type").asText()).isEqualTo("cannotCalculateChanges");
        String now = jmap.call("Identity/get", "{" + a + ", \"ids\": []}").get("state").asText();
        assertThat(jmap.call("Identity/changes", "{" + a + ", \"sinceState\": \"" + now + "\"}").get("created")).isEmpty();

        JsonNode refused = jmap.call("Identity/set", "{" + a + ", \"update\": {\"" + work + "\": {\"email\": \"alice+other@example.test\"}}, \"destroy\": [\"" + ownId + "\", \"" + work + "\"]}");
        assertThat(refused.get("notUpdated").get(work).get("type").asText()).isEqualTo("invalidProperties");
        assertThat(refused.get("notDestroyed").get(ownId).get("type").asText()).isEqualTo("forbidden");
        assertThat(refused.get("destroyed")).extracting(JsonNode::asText).containsExactly(work);
        assertThat(jmap.call("Identity/get", "{" + a + ", \"ids\": [\"" + work + "\"]}").get("notFound").get(0).asText()).isEqualTo(work);
        // and a submission names an identity that exists
        JsonNode noIdentity = jmap.call("EmailSubmission/set", "{" + a + ", \"create\": {\"s\": {\"emailId\": \"e1-1\", \"identityId\": \"" + work + "\"}}}");
        assertThat(noIdentity.get("notCreated").get("s").get("type").asText()).isEqualTo("invalidProperties");
    }

    private String draft(String subject, String to) throws Exception {
        String drafts = jmap.call("Mailbox/query", "{" + a + ", \"filter\": {\"role\": \"drafts\"}}").get("ids").get(0).asText();
        return jmap.call("Email/set", "{" + a + ", \"create\": {\"d\": {\"mailboxIds\": {\"" + drafts + "\": true}, \"from\": [{\"email\": \"alice@example.test\"}],"
                + " \"to\": [{\"email\": \"" + to + "\"}], \"subject\": \"" + subject + "\", \"bodyValues\": {\"t\": {\"value\": \"hi\"}},"
                + " \"textBody\": [{\"partId\": \"t\", \"type\": \"text/plain\"}]}}}").get("created").get("d").get("id").asText();
    }

    private int bobHas(String subject) throws Exception {
        return bobJmap.call("Email/query", "{" + b + ", \"filter\": {\"subject\": \"" + subject + "\"}}").get("ids").size();
    }

    @Test
    void aHeldSubmissionIsPendingUntilItsSendAtAndCanBeCanceledUntilThen() throws Exception {
        JsonNode session = jmap.session();
        JsonNode submission = session.get("accounts").get("a" + alice.id()).get("accountCapabilities").get("urn:ietf:params:jmap:submission");
        assertThat(submission.get("maxDelayedSend").asLong()).isPositive();
        assertThat(submission.get("submissionExtensions").has("FUTURERELEASE")).isTrue();
        String identity = "i" + alice.id();

        // held for an hour, then called back
        String later = draft("held", "bob@example.test");
        JsonNode held = jmap.call("EmailSubmission/set", "{" + a + ", \"create\": {\"h\": {\"emailId\": \"" + later + "\", \"identityId\": \"" + identity
                + "\", \"envelope\": {\"mailFrom\": {\"email\": \"alice@example.test\", \"parameters\": {\"HOLDFOR\": \"3600\"}}, \"rcptTo\": [{\"email\": \"bob@example.test\"}]}}}}");
        JsonNode created = held.get("created").get("h");
        String id = created.get("id").asText();
        assertThat(created.get("undoStatus").asText()).isEqualTo("pending");
        assertThat(Instant.parse(created.get("sendAt").asText())).isAfter(Instant.now().plus(Duration.ofMinutes(59)));
        JsonNode got = jmap.call("EmailSubmission/get", "{" + a + ", \"ids\": [\"" + id + "\"]}").get("list").get(0);
        assertThat(got.get("undoStatus").asText()).isEqualTo("pending");
        assertThat(got.get("sendAt").asText()).isEqualTo(created.get("sendAt").asText());
        JsonNode canceled = jmap.call("EmailSubmission/set", "{" + a + ", \"update\": {\"" + id + "\": {\"undoStatus\": \"canceled\"}}}");
        assertThat(canceled.get("updated").has(id)).as(canceled.toString()).isTrue();
        assertThat(node.node.storage().queue().list()).as("off the queue").isEmpty();
        assertThat(jmap.call("EmailSubmission/get", "{" + a + ", \"ids\": [\"" + id + "\"]}").get("notFound").get(0).asText()).isEqualTo(id);
        assertThat(bobHas("held")).isZero();
        JsonNode bad = jmap.call("EmailSubmission/set", "{" + a + ", \"update\": {\"" + id + "\": {\"undoStatus\": \"final\"}}}");
        assertThat(bad.get("notUpdated").get(id).get("type").asText()).isEqualTo("invalidProperties");

        // held for two seconds with HOLDUNTIL: not delivered before, delivered after
        String soon = draft("soon", "bob@example.test");
        Instant sendAt = Instant.now().plusSeconds(2);
        JsonNode timed = jmap.call("EmailSubmission/set", "{" + a + ", \"create\": {\"t\": {\"emailId\": \"" + soon + "\", \"identityId\": \"" + identity
                + "\", \"envelope\": {\"mailFrom\": {\"email\": \"alice@example.test\", \"parameters\": {\"HOLDUNTIL\": \"" + sendAt + "\"}}, \"rcptTo\": [{\"email\": \"bob@example.test\"}]}}}}");
        assertThat(timed.get("created").get("t").get("undoStatus").asText()).isEqualTo("pending");
        assertThat(bobHas("soon")).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> bobHas("soon") == 1);
        assertThat(Instant.now()).isAfterOrEqualTo(sendAt);
        String bobsId = bobJmap.call("Email/query", "{" + b + ", \"filter\": {\"subject\": \"soon\"}}").get("ids").get(0).asText();
        JsonNode arrived = bobJmap.call("Email/get", "{" + b + ", \"ids\": [\"" + bobsId + "\"], \"properties\": [\"receivedAt\"]}").get("list").get(0);
        assertThat(Instant.parse(arrived.get("receivedAt").asText())).isAfterOrEqualTo(sendAt.minusMillis(sendAt.getNano() / 1_000_000 % 1000));

        // released at once (to a remote address that stays queued): too late to cancel
        String now = draft("now", "someone@remote.invalid");
        String sent = jmap.call("EmailSubmission/set", "{" + a + ", \"create\": {\"n\": {\"emailId\": \"" + now + "\", \"identityId\": \"" + identity + "\"}}}")
                .get("created").get("n").get("id").asText();
        JsonNode late = jmap.call("EmailSubmission/set", "{" + a + ", \"update\": {\"" + sent + "\": {\"undoStatus\": \"canceled\"}}}");
        assertThat(late.get("notUpdated").get(sent).get("type").asText()).isIn("cannotUnsend", "notFound");
        assertThat(late.get("notUpdated").get(sent).get("type").asText()).as("still queued for the remote domain").isEqualTo("cannotUnsend");

        JsonNode tooFar = jmap.call("EmailSubmission/set", "{" + a + ", \"create\": {\"f\": {\"emailId\": \"" + later + "\", \"identityId\": \"" + identity
                + "\", \"envelope\": {\"mailFrom\": {\"email\": \"alice@example.test\", \"parameters\": {\"HOLDFOR\": \"99999999\"}}, \"rcptTo\": [{\"email\": \"bob@example.test\"}]}}}}");
        assertThat(tooFar.get("notCreated").get("f").get("type").asText()).isEqualTo("invalidProperties");
    }
}
