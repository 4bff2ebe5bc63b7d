package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JMAP behind the shared login gate (core/security LoginGuard): repeated bad Basic credentials
 * from one address end in 429 with Retry-After, even for the right password and for a WebSocket
 * upgrade, while another address logs in. Requests are written by hand over TLS sockets bound to
 * 127.0.17.11 and 127.0.17.12; the node listens on 127.0.17.1 with the loopback allowlist emptied.
 */
class JmapLoginThrottleTest {
    static final String HOST = "127.0.17.1", ATTACKER = "127.0.17.11", USER = "127.0.17.12";

    @TempDir
    Path dir;

    /** One HTTP/1.1 request from {@code source}; the whole response as text. */
    private static String request(String source, int port, String head, String body) throws IOException {
        var factory = JmapHttp.trustAll().getSocketFactory();
        try (var socket = (SSLSocket) factory.createSocket(InetAddress.getByName(HOST), port, InetAddress.getByName(source), 0)) {
            socket.setSoTimeout(30_000);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            String request = head + "Host: " + HOST + ":" + port + "\r\nContent-Length: " + content.length + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            var out = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static String api(String source, int port, String login, String password) throws IOException {
        String auth = Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
        return request(source, port, "POST /jmap/api HTTP/1.1\r\nAuthorization: Basic " + auth + "\r\nContent-Type: application/json\r\n",
                "{\"using\": [\"urn:ietf:params:jmap:core\"], \"methodCalls\": [[\"Core/echo\", {\"ok\": 1}, \"c\"]]}");
    }

    @Test
    void repeatedBadPasswordsFromOneAddressEndIn429WithRetryAfter() throws Exception {
        try (var node = new TestNode(dir.resolve("var"), c -> {
            c.node.bind = HOST;
            c.security.allowlist = List.of();
            c.security.blockAfter = 4;
            c.security.loginDelay = Duration.ofMillis(50);
            c.security.loginDelayMax = Duration.ofMillis(200);
        })) {
            new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            int port = node.jmap();
            for (int i = 0; i < 4; i++) {
                assertThat(api(ATTACKER, port, "alice@example.test", "guess" + i)).startsWith("HTTP/1.1 401").containsIgnoringCase("WWW-Authenticate: Basic");
            }
            String blocked = api(ATTACKER, port, "alice@example.test", "alice-password");
            assertThat(blocked).as("blocked, even with the password").startsWith("HTTP/1.1 429").containsPattern("(?i)\r\nRetry-After: [1-9][0-9]*\r\n");
            String upgrade = request(ATTACKER, port, "GET /jmap/ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: jmap\r\nAuthorization: Basic "
                    + Base64.getEncoder().encodeToString("alice@example.test:alice-password".getBytes(StandardCharsets.UTF_8)) + "\r\n", "");
            assertThat(upgrade).as("nor does a WebSocket open").startsWith("HTTP/1.1 429").containsIgnoringCase("Retry-After: ");

            assertThat(api(USER, port, "alice@example.test", "alice-password")).as("another address").startsWith("HTTP/1.1 200").contains("\"ok\":1");
        }
    }
}
