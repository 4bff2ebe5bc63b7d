package mailroom.server;

import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `mailroom serve` killed with SIGKILL while clients are sending and the queue is delivering: every
 * message that got its 250 is in the mailbox after a restart, and none twice.
 */
class CrashTest {
    @TempDir
    Path dir;

    private Process serve(Path config) throws Exception {
        var process = ChildProcess.builder(dir, "serve", "--config", config.toString()).redirectErrorStream(true).start();
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (String line = out.readLine(); line != null && System.nanoTime() < deadline; line = out.readLine()) {
            if (line.contains("ready:")) {
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> {})); // keep draining the log
                return process;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("node did not start");
    }

    @Test
    void acknowledgedMailSurvivesKillNine() throws Exception {
        int smtp = ChildProcess.freePort(), pop3 = ChildProcess.freePort(), pop3s = ChildProcess.freePort();
        Path config = dir.resolve("node.toml");
        Files.writeString(config, """
                [smtp]
                port = %d
                check_authentication = false
                [pop3]
                port = %d
                tls_port = %d
                [imap]
                port = %d
                tls_port = %d
                [submission]
                port = %d
                tls_port = %d
                [lmtp]
                port = %d
                """.formatted(smtp, pop3, pop3s, ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(),
                ChildProcess.freePort(), ChildProcess.freePort()));
        assertThat(ChildProcess.run(dir, null, "user", "add", "alice", "--password", "alice-password").exitCode()).isZero();

        Set<String> acknowledged = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            Process node = serve(config);
            List<Thread> senders = new ArrayList<>();
            for (int client = 0; client < 4; client++) {
                int c = client, r = round;
                senders.add(Thread.ofVirtual().start(() -> send(smtp, "r" + r + "c" + c, acknowledged)));
            }
            Thread.sleep(300 + round * 200L);
            node.destroyForcibly(); // SIGKILL, mid-transaction for some of the senders
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
            for (Thread t : senders) t.join(Duration.ofSeconds(30));
        }
        assertThat(acknowledged).as("some mail was acknowledged before the kills").hasSizeGreaterThan(10);

        Process node = serve(config);
        try {
            // The queue hands over what the killed runs had accepted; wait until it has all arrived.
            List<String> subjects = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                subjects = subjects(pop3);
                if (new HashSet<>(subjects).containsAll(acknowledged)) break;
                Thread.sleep(500);
            }
            Thread.sleep(1500); // and a moment more, for any duplicate to show up
            subjects = subjects(pop3);
            assertThat(subjects).containsAll(acknowledged);
            assertThat(subjects).as("each message exactly once").doesNotHaveDuplicates();
        } finally {
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> subjects(int pop3) throws Exception {
        try (var t = new Transcript("127.0.0.1", pop3)) {
            t.play("""
                    S: +OK
                    C: USER alice
                    S: +OK
                    C: PASS alice-password
                    S: +OK
                    """);
            List<String> subjects = new ArrayList<>();
            t.send("STAT");
            int count = Integer.parseInt(t.expect("+OK").split(" ")[1]);
            for (int i = 1; i <= count; i++) {
                t.send("TOP " + i + " 0").expect("+OK");
                t.readMultiLine().stream().filter(l -> l.startsWith("Subject: ")).forEach(l -> subjects.add(l.substring(9)));
            }
            t.send("QUIT");
            return subjects;
        }
    }

    /** Sends messages one after another until the server goes away, recording each one answered 250. */
    private static void send(int port, String prefix, Set<String> acknowledged) {
        try (var t = new Transcript("127.0.0.1", port)) {
            t.expect("220");
            t.send("EHLO crash.test").expect("250");
            for (int i = 0; i < 10_000; i++) {
                String subject = prefix + "-" + i;
                t.send("MAIL FROM:<load@remote.test>").expect("250");
                t.send("RCPT TO:<alice@example.test>").expect("250");
                t.send("DATA").expect("354");
                t.send("Subject: " + subject + "\r\n\r\n" + "x".repeat(2000) + "\r\n.");
                String reply = t.readLine();
                if (reply == null) return;
                if (reply.startsWith("250")) synchronized (acknowledged) { acknowledged.add(subject); }
            }
        } catch (Exception | AssertionError e) {
            // the server was killed under us: expected
        }
    }
}
