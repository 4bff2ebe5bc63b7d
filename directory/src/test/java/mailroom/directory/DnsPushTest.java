package mailroom.directory;

import mailroom.storage.Storage;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 2136 dynamic updates with TSIG to BIND 9 (named, from Debian's bind9 package), started by the
 * test as a primary for the zone that accepts updates signed with one key; checked with dig.
 */
class DnsPushTest {
    @TempDir
    Path dir;
    Process named;
    int port;
    Storage storage;
    Director director;
    final String secret = Base64.getEncoder().encodeToString("a test key of thirty-two octets!".getBytes(StandardCharsets.US_ASCII));

    @BeforeEach
    void start() throws Exception {
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("named.conf"), """
                options {
                    directory "%1$s";
                    pid-file "%1$s/named.pid";
                    listen-on port %2$d { 127.0.0.1; };
                    listen-on-v6 { none; };
                    recursion no;
                    dnssec-validation no;
                };
                controls { };
                key "mailroom" { algorithm hmac-sha256; secret "%3$s"; };
                zone "example.test" { type primary; file "%1$s/example.test.zone"; allow-update { key "mailroom"; }; };
                """.formatted(dir, port, secret));
        Files.writeString(dir.resolve("example.test.zone"), """
                $TTL 60
                @   IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
                @   IN NS  ns.example.test.
                ns  IN A   127.0.0.1
                """);
        String binary = Files.isExecutable(Path.of("/usr/sbin/named")) ? "/usr/sbin/named" : "named"; // sbin is not on every PATH
        named = new ProcessBuilder(binary, "-g", "-c", dir.resolve("named.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("named.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!listening()) {
            assertThat(named.isAlive()).as("named runs: " + log()).isTrue();
            assertThat(System.nanoTime()).as("named listens within 20 s: " + log()).isLessThan(deadline);
            Thread.sleep(100);
        }
        storage = SqliteStorage.open(dir.resolve("mailroom"), false);
        var d = storage.directory();
        d.addDomain("example.test");
        var now = Clock.systemUTC().instant();
        d.heartbeat("store1", Set.of("store"), "127.0.1.1", now);
        d.heartbeat("store2", Set.of("store"), "127.0.1.2", now);
        d.heartbeat("sorter1", Set.of("sorter"), "127.0.2.1", now);
        d.setRoutes(Map.of("a", "store1", "b", "store2"));
        director = new Director(DirectorTest.settings(143), storage, DirectorTest.DKIM, InetAddress.getLoopbackAddress(), 0, Clock.systemUTC());
    }

    private boolean listening() {
        try (var s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("named.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (director != null) director.close();
        if (storage != null) storage.close();
        if (named != null) { // named writes its journal and pid file as it stops: wait, so the directory can go
            named.destroy();
            if (!named.waitFor(10, TimeUnit.SECONDS)) named.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private List<String> dig(String name, String type) throws Exception {
        var dig = new ProcessBuilder("dig", "@127.0.0.1", "-p", String.valueOf(port), "+short", name, type).redirectErrorStream(true).start();
        assertThat(dig.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void theZoneReachesBindAndRouteChangesFollow() throws Exception {
        director.pushTo(new DnsPush(new DnsPush.Target("127.0.0.1", port, "mailroom", "hmac-sha256", secret)));
        director.tick();
        assertThat(dig("maila.example.test", "A")).containsExactly("store1.example.test.", "127.0.1.1");
        assertThat(dig("mailb.example.test", "CNAME")).containsExactly("store2.example.test.");
        assertThat(dig("outbox.example.test", "A")).containsExactly("127.0.2.1");
        assertThat(dig("example.test", "MX")).containsExactly("10 sorter1.example.test.");
        assertThat(dig("_imap._tcp.example.test", "SRV")).containsExactlyInAnyOrder("0 1 143 store1.example.test.", "0 1 143 store2.example.test.");
        assertThat(dig("ns.example.test", "A")).as("the server's own records stay").containsExactly("127.0.0.1");

        storage.directory().setRoutes(Map.of("a", "store2"));
        director.tick();
        assertThat(dig("maila.example.test", "CNAME")).containsExactly("store2.example.test.");
        assertThat(dig("example.test", "SOA").getFirst()).as("BIND's serial moved with the updates").doesNotContain(" 1 3600 ");
    }

    @Test
    void aWrongKeyIsRefusedAndNothingChanges() throws Exception {
        String wrong = Base64.getEncoder().encodeToString("not the key the server knows at all".getBytes(StandardCharsets.US_ASCII));
        var push = new DnsPush(new DnsPush.Target("127.0.0.1", port, "mailroom", "hmac-sha256", wrong));
        assertThat(push.push(director.zone())).isFalse();
        assertThat(dig("maila.example.test", "A")).isEmpty();
    }
}
