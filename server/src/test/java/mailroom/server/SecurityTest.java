package mailroom.server;

import mailroom.core.config.Config;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The abuse defences end to end, over real sockets on a whole node: login throttling on every
 * protocol (Python's imaplib, poplib and smtplib, curl for the admin API, the command line), the
 * limits per address and per account, and the protocol limits. Clients bind addresses in
 * 127.0.10.0/24 and 127.0.11.0/24 to be different clients; the loopback allowlist is emptied.
 */
class SecurityTest {
    @TempDir
    Path dir;

    private TestNode node(Consumer<Config.Security> adjust) throws IOException {
        return new TestNode(dir.resolve("var"), c -> {
            c.security.allowlist = List.of();
            c.security.loginDelay = Duration.ofMillis(50);
            c.security.loginDelayMax = Duration.ofMillis(200);
            adjust.accept(c.security);
        });
    }

    /** A line client whose connection leaves from {@code source}. */
    private static LineClient from(String source, int port) throws IOException {
        var socket = new Socket();
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(20_000);
        return new LineClient(socket, new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)), socket.getOutputStream());
    }

    private static String line(LineClient c) throws IOException {
        String line = c.in().readLine();
        if (line == null) throw new IOException("connection closed");
        return line;
    }

    /** Runs a Python script with arguments; returns its output, which must end well. */
    private String python(String script, Object... args) throws Exception {
        Path file = Files.createTempFile(dir, "client", ".py");
        Files.writeString(file, script);
        List<String> command = new ArrayList<>(List.of("python3", file.toString()));
        for (Object a : args) command.add(String.valueOf(a));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static final String CLIENTS = """
            import imaplib, poplib, smtplib, socket, ssl, sys
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            class Imap(imaplib.IMAP4):
                def __init__(self, source, port):
                    self.source = source; super().__init__("127.0.0.1", port)
                def _create_socket(self, timeout):
                    return socket.create_connection((self.host, self.port), 20, source_address=(self.source, 0))
            class Pop(poplib.POP3):
                def __init__(self, source, port):
                    self.source = source; super().__init__("127.0.0.1", port)
                def _create_socket(self, timeout):
                    return socket.create_connection((self.host, self.port), 20, source_address=(self.source, 0))
            def imap(source, port, user, password):
                m = Imap(source, port)
                try:
                    m.login(user, password); m.logout(); return "OK"
                except imaplib.IMAP4.error as e:
                    return str(e)
            def pop(source, port, user, password):
                p = Pop(source, port)
                try:
                    p.user(user); p.pass_(password); p.quit(); return "+OK"
                except poplib.error_proto as e:
                    return e.args[0].decode()
            def submission(source, port, user, password):
                with smtplib.SMTP("127.0.0.1", port, source_address=(source, 0)) as s:
                    s.ehlo(); s.starttls(context=ctx); s.ehlo()
                    try:
                        s.login(user, password); return "235"
                    except smtplib.SMTPAuthenticationError as e:
                        return "%d %s" % (e.smtp_code, e.smtp_error.decode())
            what, source, port, user, password = sys.argv[1:6]
            print({"imap": imap, "pop3": pop, "submission": submission}[what](source, int(port), user, password))
            """;

    private String client(String protocol, String source, int port, String user, String password) throws Exception {
        return python(CLIENTS, protocol, source, port, user, password).strip();
    }

    private static String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS"));
        command.addAll(List.of(args));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private Path configFile() throws IOException {
        Path file = dir.resolve("mailroom.toml");
        Files.writeString(file, "[node]\ndata_dir = \"" + dir.resolve("var") + "\"\n");
        return file;
    }

    @Test
    void guessingIsSlowedThenBlockedOnEveryProtocolWhileAnotherAddressLogsIn() throws Exception {
        try (var node = node(s -> s.blockAfter = 4)) {
            new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            String attacker = "127.0.10.11", user = "127.0.10.12";
            List<String> answers = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 4; i++) answers.add(client("imap", attacker, node.imap(), "alice", "guess" + i));
            assertThat(answers).allSatisfy(a -> assertThat(a).contains("[AUTHENTICATIONFAILED]"));
            // failure answers wait 50, 100, 200, 200 ms and the checks after the first 50, 100, 200 ms
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));

            assertThat(client("imap", attacker, node.imap(), "alice", "alice-password")).as("blocked, even with the password").contains("[UNAVAILABLE]");
            assertThat(client("pop3", attacker, node.pop3(), "alice", "alice-password")).startsWith("-ERR [SYS/TEMP]");
            assertThat(client("submission", attacker, node.submission(), "alice@example.test", "alice-password")).startsWith("454 4.7.0");
            String admin = curl("-i", "--interface", attacker, "-u", "postmaster@example.test:" + node.postmasterPassword,
                    "http://127.0.0.1:" + node.node.adminPort() + "/api/v1/domains");
            assertThat(admin).startsWith("HTTP/1.1 429").containsIgnoringCase("Retry-After: ");

            assertThat(client("imap", user, node.imap(), "alice", "alice-password")).as("another address").isEqualTo("OK");
            assertThat(client("pop3", user, node.pop3(), "alice", "alice-password")).isEqualTo("+OK");
            assertThat(client("submission", user, node.submission(), "alice@example.test", "alice-password")).isEqualTo("235");

            String metrics = curl("http://127.0.0.1:" + node.node.adminPort() + "/metrics");
            assertThat(metrics).containsPattern("(?m)^mailroom_security_blocked_addresses 1\\.0$")
                    .containsPattern("(?m)^mailroom_logins_total\\{result=\"blocked\"} [1-9]");
            String api = curl("-u", "postmaster@example.test:" + node.postmasterPassword, "http://127.0.0.1:" + node.node.adminPort() + "/api/v1/security/blocked");
            assertThat(api).contains("\"network\":\"127.0.10.11\"", "\"failures\":4", "\"lastLogin\":\"alice\"", "\"lastProtocol\":\"imap\"");

            Path config = configFile();
            var blocked = ChildProcess.run(dir, null, "security", "blocked", "--config", config.toString());
            assertThat(blocked.exitCode()).as(blocked.err()).isZero();
            assertThat(blocked.out()).contains("127.0.10.11").contains("alice (imap)");
            var unblock = ChildProcess.run(dir, null, "security", "unblock", "127.0.10.11", "--config", config.toString());
            assertThat(unblock.exitCode()).as(unblock.err()).isZero();
            assertThat(ChildProcess.run(dir, null, "security", "unblock", "127.0.10.11", "--config", config.toString()).err())
                    .contains("no block or failures for 127.0.10.11");
            assertThat(ChildProcess.run(dir, null, "security", "blocked", "--config", config.toString()).out()).contains("no address is blocked");
            assertThat(client("imap", attacker, node.imap(), "alice", "alice-password")).as("unblocked").isEqualTo("OK");
        }
    }

    @Test
    void fiftyGuessingConnectionsDoNotStarveACorrectLoginFromAnotherAddress() throws Exception {
        try (var node = node(s -> {
            s.blockAfter = 100_000; // keep them guessing: only the bound on checks per address holds them
            s.loginDelay = Duration.ZERO;
        })) {
            var accounts = new Accounts(node.node.storage(), "example.test");
            accounts.create("alice", "alice-password");
            var stop = new AtomicBoolean();
            var guesses = new AtomicInteger();
            List<Duration> logins = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> attackers = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    attackers.add(pool.submit(() -> {
                        try (var c = from("127.0.10.21", node.imap())) {
                            line(c);
                            for (int n = 0; !stop.get(); n++) {
                                c.send("a" + n + " LOGIN alice wrong" + n);
                                String reply;
                                while (!(reply = line(c)).startsWith("a" + n + " ")) { }
                                guesses.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                Thread.sleep(2000); // the attack is in full swing
                for (int i = 0; i < 3; i++) {
                    accounts.create("bob" + i, "bob-password-" + i); // a password never checked before: a full Argon2id check
                    long start = System.nanoTime();
                    try (var c = from("127.0.10.22", node.imap())) {
                        line(c);
                        c.send("b LOGIN bob" + i + " bob-password-" + i);
                        assertThat(c.await("b ")).startsWith("b OK");
                    }
                    logins.add(Duration.ofNanos(System.nanoTime() - start));
                }
                stop.set(true);
                for (var f : attackers) f.get(60, TimeUnit.SECONDS);
            }
            System.out.println("guesses during the attack: " + guesses + "; correct logins from another address took " + logins);
            assertThat(guesses.get()).as("the attack ran").isGreaterThan(10);
            // Unbounded (password_checks_per_address = 50) the same logins took 2.6-8.5 s on two cores; bounded, about 0.5 s.
            assertThat(logins).allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(2)));
        }
    }

    @Test
    void connectionsPerAddressAndSessionsPerAccountAreLimited() throws Exception {
        try (var node = node(s -> {
            s.maxConnectionsPerAddress = 3;
            s.maxConnectionRatePerAddress = 8;
            s.maxSessionsPerAccountAddress = 2;
        })) {
            new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            List<LineClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    var c = from("127.0.10.31", node.imap());
                    open.add(c);
                    assertThat(line(c)).startsWith("* OK");
                }
                try (var fourth = from("127.0.10.31", node.imap())) {
                    assertThat(line(fourth)).startsWith("* BYE [LIMIT]");
                }
                try (var smtp = from("127.0.10.32", node.smtp())) {
                    assertThat(line(smtp)).as("another address, another listener").startsWith("220 ");
                }
                // two sessions of alice from .31 are allowed, the third is not; from .33 it is
                open.get(0).send("a LOGIN alice alice-password");
                assertThat(open.get(0).await("a ")).startsWith("a OK");
                open.get(1).send("a LOGIN alice alice-password");
                assertThat(open.get(1).await("a ")).startsWith("a OK");
                open.get(2).send("a LOGIN alice alice-password");
                assertThat(open.get(2).await("a ")).startsWith("a NO [LIMIT]");
                try (var pop = from("127.0.10.31", node.pop3())) {
                    line(pop);
                    pop.send("USER alice");
                    line(pop);
                    pop.send("PASS alice-password");
                    assertThat(line(pop)).as("POP3 counts apart from IMAP").startsWith("+OK");
                }
                try (var other = from("127.0.10.33", node.imap())) {
                    line(other);
                    other.send("a LOGIN alice alice-password");
                    assertThat(other.await("a ")).startsWith("a OK");
                }
                open.get(0).send("z LOGOUT");
                open.get(0).await("z ");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    open.get(2).send("b LOGIN alice alice-password");
                    assertThat(open.get(2).await("b ")).as("a session ended, a place is free").startsWith("b OK");
                });
            } finally {
                for (var c : open) c.close();
            }
            // new connections a minute, one at a time: eight pass, the ninth is refused
            for (int i = 0; i < 8; i++) {
                try (var c = from("127.0.10.34", node.smtp())) {
                    assertThat(line(c)).startsWith("220 ");
                    c.send("QUIT");
                    assertThat(line(c)).startsWith("221 ");
                }
            }
            try (var c = from("127.0.10.34", node.smtp())) {
                assertThat(line(c)).as("the ninth new connection within the minute").startsWith("421 4.7.0");
            }
            String metrics = curl("http://127.0.0.1:" + node.node.adminPort() + "/metrics");
            assertThat(metrics).containsPattern("mailroom_limit_refusals_total\\{limit=\"connections\",protocol=\"imap\"} [1-9]")
                    .containsPattern("mailroom_limit_refusals_total\\{limit=\"sessions\",protocol=\"imap\"} [1-9]")
                    .containsPattern("mailroom_limit_refusals_total\\{limit=\"connection_rate\",protocol=\"mx\"} [1-9]");
        }
    }

    @Test
    void anAccountSubmitsAtMostItsMessagesAndRecipientsAnHour() throws Exception {
        try (var node = node(s -> {
            s.submissionMessagesPerHour = 2;
            s.submissionRecipientsPerHour = 3;
        })) {
            var accounts = new Accounts(node.node.storage(), "example.test");
            accounts.create("alice", "alice-password");
            accounts.create("bob", "bob-password");
            String script = """
                    import smtplib, ssl, sys
                    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), source_address=("127.0.11.1", 0)) as s:
                        s.ehlo(); s.starttls(context=ctx); s.ehlo(); s.login("alice@example.test", "alice-password")
                        for i in range(3):
                            code, text = s.mail("alice@example.test")
                            print("MAIL", code, text.decode())
                            if code != 250: continue
                            for r in range(2):
                                code, text = s.rcpt("bob@example.test")
                                print("RCPT", code, text.decode())
                            s.rset()
                    """;
            String out = python(script, node.submission());
            assertThat(out.lines().toList()).containsExactly(
                    "MAIL 250 2.1.0 Sender ok", "RCPT 250 2.1.5 Recipient ok", "RCPT 250 2.1.5 Recipient ok",
                    "MAIL 250 2.1.0 Sender ok", "RCPT 250 2.1.5 Recipient ok",
                    "RCPT 451 4.7.1 Sending limit reached (3 recipients an hour), try again later",
                    "MAIL 451 4.7.1 Sending limit reached (2 messages an hour), try again later");
        }
    }

    @Test
    void overLongCommandsAndPathsGetProtocolErrorsAndTheSessionGoesOn() throws Exception {
        try (var node = node(s -> {})) {
            new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            try (var smtp = from("127.0.10.41", node.smtp())) {
                line(smtp);
                smtp.send("EHLO client.example");
                smtp.await("250 ");
                smtp.send("NOOP " + "x".repeat(2000));
                assertThat(line(smtp)).startsWith("500 5.5.2");
                smtp.send("MAIL FROM:<" + "a".repeat(300) + "@remote.test>");
                assertThat(line(smtp)).isEqualTo("501 5.1.3 Path longer than 256 octets");
                smtp.send("MAIL FROM:<" + "a".repeat(65) + "@remote.test>");
                assertThat(line(smtp)).isEqualTo("501 5.1.3 Local part longer than 64 octets");
                smtp.send("MAIL FROM:<" + "a".repeat(64) + "@remote.test>");
                assertThat(line(smtp)).startsWith("250 ");
                String domain = String.join(".", "d".repeat(63), "e".repeat(63), "f".repeat(63), "g".repeat(63), "test"); // 260 octets
                smtp.send("RCPT TO:<x@" + domain + ">");
                assertThat(line(smtp)).startsWith("501 5.1.3");
                // ESMTP parameters may take a RCPT line past 512 octets (ORCPT alone may add 500)
                String orcpt = "rfc822;" + "o".repeat(470) + "@example.test";
                smtp.send("RCPT TO:<alice@example.test> NOTIFY=FAILURE ORCPT=" + orcpt);
                assertThat(line(smtp)).startsWith("250 ");
                smtp.send("RCPT TO:<alice@example.test> ORCPT=rfc822;" + "o".repeat(1000) + "@example.test");
                assertThat(line(smtp)).startsWith("500 5.5.2");
                smtp.send("QUIT");
                assertThat(line(smtp)).startsWith("221 ");
            }
            try (var imap = from("127.0.10.42", node.imap())) {
                line(imap);
                imap.out().write(("a1 NOOP " + "x".repeat(100_000)).getBytes(StandardCharsets.US_ASCII)); // no CRLF yet
                imap.out().flush();
                assertThat(line(imap)).as("answered before the line ends").startsWith("a1 BAD [TOOBIG]");
                imap.send("y".repeat(1000)); // the line's end, dropped
                imap.send("a2 LOGIN alice alice-password");
                assertThat(imap.await("a2 ")).startsWith("a2 OK");
                imap.send("a3 SELECT INBOX");
                imap.await("a3 OK");
                imap.send("a4 SEARCH " + "(".repeat(40) + "ALL" + ")".repeat(40));
                assertThat(imap.await("a4 ")).startsWith("a4 BAD [TOOBIG]");
                imap.send("a5 SEARCH " + "(".repeat(10) + "ALL" + ")".repeat(10));
                assertThat(imap.await("a5 ")).startsWith("a5 OK");
                imap.send("a6 SEARCH TEXT {70000}");
                assertThat(imap.await("a6 ")).startsWith("a6 BAD [TOOBIG]");
                imap.send("a7 NOOP");
                assertThat(imap.await("a7 ")).startsWith("a7 OK");
            }
            try (var pop = from("127.0.10.43", node.pop3())) {
                line(pop);
                pop.send("USER " + "u".repeat(300));
                assertThat(line(pop)).startsWith("-ERR");
                pop.send("USER alice");
                assertThat(line(pop)).startsWith("+OK");
                pop.send("PASS alice-password");
                assertThat(line(pop)).startsWith("+OK");
            }
        }
    }
}
