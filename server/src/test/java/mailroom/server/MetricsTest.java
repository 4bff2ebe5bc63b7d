package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /metrics scraped with curl, as Prometheus would, before and after a delivery, logins and commands. */
class MetricsTest {
    @TempDir
    Path dir;

    private static String scrape(int port) throws Exception {
        var curl = new ProcessBuilder("curl", "-sS", "http://127.0.0.1:" + port + "/metrics").redirectErrorStream(true).start();
        assertThat(curl.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The value of one series, 0 when it is not there yet (the registry is shared by the tests in this JVM). */
    private static double value(String scrape, String series) {
        var m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aDeliveryALoginAndCommandsShowInTheScrape() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            int port = node.node.adminPort();
            String before = scrape(port);
            String delivered = "mailroom_deliveries_total{result=\"delivered\",where=\"local\"}";
            String okLogins = "mailroom_logins_total{result=\"ok\"}", failedLogins = "mailroom_logins_total{result=\"failed\"}";
            String ehlo = "mailroom_commands_total{command=\"EHLO\",protocol=\"mx\"}";
            String mxConnections = "mailroom_connections_total{protocol=\"mx\"}";

            LineClient.sendMail("127.0.0.1", node.smtp(), "friend@remote.test", "alice@example.test", "measured");
            try (var imap = LineClient.connect("127.0.0.1", node.imap())) {
                imap.await("* OK");
                imap.send("a LOGIN alice@example.test wrong-password");
                imap.await("a NO");
                imap.send("b LOGIN alice@example.test alice-password");
                imap.await("b OK");
                imap.send("c LOGOUT");
                imap.await("c OK");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> value(scrape(port), delivered) >= value(before, delivered) + 1);
            String after = scrape(port);
            assertThat(value(after, okLogins)).isGreaterThanOrEqualTo(value(before, okLogins) + 1);
            assertThat(value(after, failedLogins)).isGreaterThanOrEqualTo(value(before, failedLogins) + 1);
            assertThat(value(after, ehlo)).isGreaterThanOrEqualTo(value(before, ehlo) + 1);
            assertThat(value(after, mxConnections)).isGreaterThanOrEqualTo(value(before, mxConnections) + 1);
            assertThat(value(after, "mailroom_delivery_latency_seconds_count")).isGreaterThanOrEqualTo(value(before, "mailroom_delivery_latency_seconds_count") + 1);
            System.gc(); // the queue gauges must survive a collection (Micrometer holds gauge state weakly by default)
            after = scrape(port);
            assertThat(after).as("a number, not NaN").containsPattern("(?m)^mailroom_queue_depth [0-9]").containsPattern("(?m)^mailroom_queue_oldest_age_seconds [0-9]");
            assertThat(after).contains("mailroom_delivery_latency_seconds_bucket{le=", "mailroom_queue_oldest_age_seconds ",
                    "mailroom_storage_seconds_count{op=\"write\"}", "mailroom_connections_active{protocol=\"imap\"}", "jvm_memory_used_bytes");
        }
    }
}
