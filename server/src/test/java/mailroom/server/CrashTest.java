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
 * message that got its 250 is in the mailbox after a restart, and none twice. And killed right after
 * a STORE was answered OK: a flag change commits without an fsync of its own (README, "Durability"),
 * but it is in the operating system's hands before the OK, so the kill does not lose it.
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

    /** Where the flag test's node listens: a loopback address of this engineer's range. */
    private static final String FLAG_ADDRESS = "127.0.22.7";

    @Test
    void acknowledgedFlagChangesSurviveKillNine() throws Exception {
        int imap = ChildProcess.freePort();
        Path config = dir.resolve("node.toml");
        Files.writeString(config, """
                [node]
                bind = "%s"
                [smtp]
                port = %d
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
                [storage]
                fsync = true
                """.formatted(FLAG_ADDRESS, ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(), imap,
                ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort()));
        assertThat(ChildProcess.run(dir, null, "user", "add", "alice", "--password", "alice-password").exitCode()).isZero();

        Process node = serve(config);
        try (var t = imapSession(imap)) {
            for (int i = 1; i <= 5; i++) {
                String message = "Subject: flagged " + i + "\r\n\r\nbody\r\n";
                t.send("a" + i + " APPEND INBOX {" + message.length() + "+}\r\n" + message); // the literal, then the command's end
                t.expect("a" + i + " OK");
            }
        } finally {
            node.destroyForcibly();
            node.waitFor(30, TimeUnit.SECONDS);
        }

        // Each round: a STORE, its OK, and at once SIGKILL; nothing else is written in between.
        String[] stores = {"1:5 +FLAGS (\\Flagged)", "2 +FLAGS (\\Seen $Round1)", "3:4 +FLAGS ($Round2)", "1 -FLAGS (\\Flagged)"};
        for (String store : stores) {
            node = serve(config);
            try (var t = imapSession(imap)) {
                t.send("s1 SELECT INBOX");
                while (!t.readLine().startsWith("s1 OK")) { /* the SELECT's untagged data */ }
                t.send("s2 STORE " + store);
                for (String line = t.readLine(); !line.startsWith("s2 "); line = t.readLine()) { /* the FETCH responses */ }
                node.destroyForcibly();
            } finally {
                node.destroyForcibly();
                assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }

        node = serve(config);
        try (var t = imapSession(imap)) {
            t.send("e1 EXAMINE INBOX");
            while (!t.readLine().startsWith("e1 OK")) { /* the EXAMINE's untagged data */ }
            t.send("e2 FETCH 1:5 (FLAGS)");
            List<String> flags = new ArrayList<>();
            for (String line = t.readLine(); !line.startsWith("e2 "); line = t.readLine()) {
                flags.add(line.replace(" \\Recent", "").replace("(\\Recent ", "(").replace("(\\Recent)", "()"));
            }
            assertThat(flags).containsExactly(
                    "* 1 FETCH (FLAGS ())",
                    "* 2 FETCH (FLAGS (\\Flagged \\Seen $Round1))",
                    "* 3 FETCH (FLAGS (\\Flagged $Round2))",
                    "* 4 FETCH (FLAGS (\\Flagged $Round2))",
                    "* 5 FETCH (FLAGS (\\Flagged))");
        } finally {
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Transcript imapSession(int port) throws Exception {
        var t = new Transcript(FLAG_ADDRESS, port);
        t.play("""
                S: * OK
                C: l1 LOGIN alice alice-password
                S: l1 OK
                """);
        return t;
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
