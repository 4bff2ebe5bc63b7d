package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JMAP and IMAP see each other's changes at once, through the one change log and event bus: mail
 * taken in over SMTP reaches an EventSource client within a second, a keyword set over JMAP shows
 * in an IMAP IDLE session, an IMAP EXPUNGE shows in Email/changes.
 */
class JmapPushTest {
    @TempDir
    Path dir;
    TestNode node;
    Account alice;
    JmapHttp jmap;
    String account;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        alice = new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
        jmap = new JmapHttp(node.jmap(), "alice@example.test", "alice-password");
        account = "a" + alice.id();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** The data lines of an EventSource stream, as they come. */
    private BlockingQueue<JsonNode> events(String query, Stream<String>[] holder) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(jmap.base + "/jmap/eventsource/?" + query)).header("Authorization", jmap.authorization).GET().build();
        HttpResponse<Stream<String>> response = jmap.http.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        holder[0] = response.body();
        BlockingQueue<JsonNode> out = new ArrayBlockingQueue<>(100);
        Thread.ofVirtual().start(() -> {
            Iterator<String> lines = holder[0].iterator();
            try {
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.startsWith("data: ")) out.add(JmapHttp.JSON.readTree(line.substring(6)));
                }
            } catch (Exception e) {
                // the stream was closed by the test
            }
        });
        return out;
    }

    @Test
    void mailTakenInOverSmtpReachesAnEventSourceClientWithinASecond() throws Exception {
        @SuppressWarnings("unchecked") Stream<String>[] stream = new Stream[1];
        var events = events("types=*&closeafter=no&ping=5", stream);
        JsonNode first = events.poll(5, TimeUnit.SECONDS);
        assertThat(first.get("@type").asText()).isEqualTo("StateChange");
        String emailState = first.get("changed").get(account).get("Email").asText();
        LineClient.sendMail("127.0.0.1", node.smtp(), "bob@example.net", "alice@example.test", "push me");
        long accepted = System.nanoTime();
        JsonNode change = events.poll(5, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - accepted) / 1_000_000;
        assertThat(change).as("a StateChange after the delivery").isNotNull();
        assertThat(millis).as("ms from the SMTP 250 to the push").isLessThan(1000);
        JsonNode changed = change.get("changed").get(account);
        assertThat(changed.has("Email")).isTrue();
        assertThat(changed.has("EmailDelivery")).isTrue();
        JsonNode delta = jmap.call("Email/changes", "{\"accountId\": \"" + account + "\", \"sinceState\": \"" + emailState + "\"}");
        assertThat(delta.get("created")).hasSize(1);
        stream[0].close();
    }

    @Test
    void aKeywordSetOverJmapShowsInAnImapIdleSession() throws Exception {
        LineClient.sendMail("127.0.0.1", node.smtp(), "bob@example.net", "alice@example.test", "flag me");
        node.awaitDelivered();
        try (var imap = LineClient.connect("127.0.0.1", node.imap())) {
            imap.await("* OK");
            imap.send("a LOGIN alice@example.test alice-password");
            imap.await("a OK");
            imap.send("b SELECT INBOX");
            imap.await("b OK");
            imap.send("c IDLE");
            imap.await("+ ");
            String id = jmap.call("Email/query", "{\"accountId\": \"" + account + "\"}").get("ids").get(0).asText();
            jmap.call("Email/set", "{\"accountId\": \"" + account + "\", \"update\": {\"" + id + "\": {\"keywords/$flagged\": true}}}");
            String fetch = imap.await("* 1 FETCH");
            assertThat(fetch).contains("FLAGS").contains("\\Flagged");
            imap.send("DONE");
            imap.await("c OK");
        }
    }

    @Test
    void anImapExpungeShowsInEmailChanges() throws Exception {
        LineClient.sendMail("127.0.0.1", node.smtp(), "bob@example.net", "alice@example.test", "expunge me");
        node.awaitDelivered();
        JsonNode q = jmap.call("Email/query", "{\"accountId\": \"" + account + "\"}");
        String id = q.get("ids").get(0).asText();
        String state = q.get("queryState").asText();
        try (var imap = LineClient.connect("127.0.0.1", node.imap())) {
            imap.await("* OK");
            imap.send("a LOGIN alice@example.test alice-password");
            imap.await("a OK");
            imap.send("b SELECT INBOX");
            imap.await("b OK");
            imap.send("c STORE 1 +FLAGS (\\Deleted)");
            imap.await("c OK");
            imap.send("d EXPUNGE");
            imap.await("d OK");
        }
        JsonNode changes = jmap.call("Email/changes", "{\"accountId\": \"" + account + "\", \"sinceState\": \"" + state + "\"}");
        assertThat(changes.get("destroyed")).extracting(JsonNode::asText).containsExactly(id);
    }
}
