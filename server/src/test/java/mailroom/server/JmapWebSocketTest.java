package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * JMAP over WebSocket (RFC 8887) with the JDK's WebSocket client, which neither independent JMAP
 * client speaks: the capability in the session, the upgrade's authentication and subprotocol,
 * Request/Response with ids, RequestError, and push of StateChanges while enabled, for mail taken
 * in over SMTP. The node listens on 127.0.17.1.
 */
class JmapWebSocketTest {
    static final String HOST = "127.0.17.1";
    static final String USING = "\"using\": [\"urn:ietf:params:jmap:core\", \"urn:ietf:params:jmap:mail\"]";

    @TempDir
    Path dir;
    TestNode node;
    Account alice;
    JmapHttp jmap;
    String account;
    WebSocket socket;
    final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"), c -> c.node.bind = HOST);
        alice = new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
        jmap = new JmapHttp(HOST, node.jmap(), "alice@example.test", "alice-password");
        account = "a" + alice.id();
    }

    @AfterEach
    void stop() {
        if (socket != null) socket.abort();
        node.close();
    }

    private CompletionStage<WebSocket> open(String authorization, String subprotocol) throws Exception {
        var builder = jmap.http.newWebSocketBuilder();
        if (authorization != null) builder.header("Authorization", authorization);
        if (subprotocol != null) builder.subprotocols(subprotocol);
        return builder.buildAsync(URI.create(jmap.session().get("capabilities").get("urn:ietf:params:jmap:websocket").get("url").asText()), new WebSocket.Listener() {
            final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    try {
                        received.add(JmapHttp.JSON.readTree(text.toString()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }
        });
    }

    private JsonNode next() throws InterruptedException {
        JsonNode n = received.poll(10, TimeUnit.SECONDS);
        assertThat(n).as("a message from the server").isNotNull();
        return n;
    }

    private void send(String text) {
        socket.sendText(text, true).join();
    }

    @Test
    void theSessionOffersTheSocketAndRequestsAreAnsweredWithTheirIds() throws Exception {
        JsonNode capability = jmap.session().get("capabilities").get("urn:ietf:params:jmap:websocket");
        assertThat(capability.get("url").asText()).isEqualTo("wss://" + HOST + ":" + node.jmap() + "/jmap/ws");
        assertThat(capability.get("supportsPush").asBoolean()).isTrue();

        socket = open(jmap.authorization, "jmap").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(socket.getSubprotocol()).isEqualTo("jmap");
        send("{\"@type\": \"Request\", \"id\": \"r1\", " + USING + ", \"methodCalls\": [[\"Core/echo\", {\"hello\": true}, \"c1\"],"
                + " [\"Mailbox/query\", {\"accountId\": \"" + account + "\", \"filter\": {\"role\": \"inbox\"}}, \"c2\"]]}");
        JsonNode response = next();
        assertThat(response.get("@type").asText()).isEqualTo("Response");
        assertThat(response.get("requestId").asText()).isEqualTo("r1");
        assertThat(response.get("methodResponses").get(0).get(1).get("hello").asBoolean()).isTrue();
        assertThat(response.get("methodResponses").get(1).get(1).get("ids")).hasSize(1);
        assertThat(response.get("sessionState").asText()).isEqualTo(jmap.session().get("state").asText());

        send("{\"@type\": \"Request\", \"id\": \"r2\", \"using\": [\"urn:example:nothing\"], \"methodCalls\": []}");
        JsonNode unknown = next();
        assertThat(unknown.get("@type").asText()).isEqualTo("RequestError");
        assertThat(unknown.get("requestId").asText()).isEqualTo("r2");
        assertThat(unknown.get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:unknownCapability");
        assertThat(unknown.get("status").asInt()).isEqualTo(400);

        send("{not json");
        assertThat(next().get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:notJSON");
        send("{\"@type\": \"Something\", \"id\": \"r3\"}");
        JsonNode notRequest = next();
        assertThat(notRequest.get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:notRequest");
        assertThat(notRequest.get("requestId").asText()).isEqualTo("r3");

        // and the socket is still usable, with a request that has no id
        send("{\"@type\": \"Request\", " + USING + ", \"methodCalls\": [[\"Core/echo\", {\"again\": 1}, \"c\"]]}");
        JsonNode again = next();
        assertThat(again.has("requestId")).isFalse();
        assertThat(again.get("methodResponses").get(0).get(1).get("again").asInt()).isEqualTo(1);
    }

    @Test
    void theUpgradeNeedsALoginAndTheJmapSubprotocol() throws Exception {
        assertThatThrownBy(() -> open(null, "jmap").toCompletableFuture().join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
        String wrong = "Basic " + java.util.Base64.getEncoder().encodeToString("alice@example.test:wrong".getBytes());
        assertThatThrownBy(() -> open(wrong, "jmap").toCompletableFuture().join()).cause()
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
        assertThatThrownBy(() -> open(jmap.authorization, null).toCompletableFuture().join()).cause()
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(400));
    }

    @Test
    void pushSendsStateChangesWhileEnabledAndCatchesUpFromAPushState() throws Exception {
        socket = open(jmap.authorization, "jmap").toCompletableFuture().get(10, TimeUnit.SECONDS);
        send("{\"@type\": \"WebSocketPushEnable\", \"dataTypes\": [\"Email\", \"Mailbox\"]}");
        // a request answered shows the enable was read before the delivery
        send("{\"@type\": \"Request\", \"id\": \"sync\", " + USING + ", \"methodCalls\": []}");
        assertThat(next().get("requestId").asText()).isEqualTo("sync");

        long sent = System.nanoTime();
        LineClient.sendMail(HOST, node.smtp(), "bob@example.net", "alice@example.test", "over the socket");
        JsonNode change = next();
        Duration took = Duration.ofNanos(System.nanoTime() - sent);
        assertThat(change.get("@type").asText()).isEqualTo("StateChange");
        JsonNode changed = change.get("changed").get(account);
        assertThat(changed.has("Email")).isTrue();
        assertThat(changed.has("EmailDelivery")).as("only the types asked for").isFalse();
        assertThat(change.get("pushState").asText()).isNotBlank();
        assertThat(took).as("pushed as the message was filed").isLessThan(Duration.ofSeconds(3));
        String emailState = jmap.call("Email/get", "{\"accountId\": \"" + account + "\", \"ids\": []}").get("state").asText();
        assertThat(changed.get("Email").asText()).isEqualTo(emailState);
        String pushState = change.get("pushState").asText();

        send("{\"@type\": \"WebSocketPushDisable\"}");
        send("{\"@type\": \"Request\", \"id\": \"sync2\", " + USING + ", \"methodCalls\": []}");
        assertThat(next().get("requestId").asText()).isEqualTo("sync2");
        LineClient.sendMail(HOST, node.smtp(), "bob@example.net", "alice@example.test", "while push is off");
        node.awaitDelivered();
        assertThat(received.poll(1500, TimeUnit.MILLISECONDS)).as("nothing pushed once disabled").isNull();

        // a new connection that gives the pushState it had hears at once what moved since
        socket.abort();
        received.clear();
        socket = open(jmap.authorization, "jmap").toCompletableFuture().get(10, TimeUnit.SECONDS);
        send("{\"@type\": \"WebSocketPushEnable\", \"dataTypes\": null, \"pushState\": \"" + pushState + "\"}");
        JsonNode caughtUp = next();
        assertThat(caughtUp.get("@type").asText()).isEqualTo("StateChange");
        assertThat(caughtUp.get("changed").get(account).has("EmailDelivery")).isTrue();
        assertThat(caughtUp.get("changed").get(account).get("Email").asText()).isNotEqualTo(changed.get("Email").asText());
    }
}
