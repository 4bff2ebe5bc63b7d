package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A raw-socket soak, bounded in time ({@code soak.seconds}, 40 by default) and in connections:
 * hostile clients on SMTP, IMAP, POP3 and ManageSieve at once send random bytes, truncated
 * commands, a command at one byte a second, 100 kB lines, disconnect in the middle of a command,
 * of DATA and of a literal (with and without a login), and check that a bad line gets a protocol
 * error after which the session still answers. Meanwhile a well-behaved client sends a message
 * over SMTP every few hundred milliseconds and reads over one IMAP session: its SMTP transactions
 * and IMAP commands must stay under {@link #P99_BOUND_MS} at the 99th percentile, every message
 * it got 250 for must be in the mailbox exactly once, and nothing a hostile client left unfinished
 * may be.
 *
 * The node runs with the abuse defences as the Internet would meet them: the loopback allowlist is
 * emptied, the hostile clients come from 250 addresses of 127.0.15.0/24 (so each stays under the
 * per-address limits, as a botnet would), the good client from 127.0.14.2, the node on 127.0.14.1.
 */
class SoakTest {
    static final long P99_BOUND_MS = 2000;
    private static final String NODE = "127.0.14.1";
    private static final String GOOD = "127.0.14.2";
    private static final int HOSTILE_CLIENTS = 40;
    private static final int MAX_HOSTILE_CONNECTIONS = 30_000;

    @TempDir
    Path dir;

    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger hostileConnections = new AtomicInteger();
    private final Map<String, AtomicInteger> behaviours = new ConcurrentHashMap<>();
    /** A bad line that did not get a protocol error, or a session that stopped answering after one. */
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    /** Bad lines that got their error and a valid command after them its answer. */
    private final AtomicInteger usableAfterError = new AtomicInteger();
    private volatile long deadline;

    enum Protocol { SMTP, IMAP, POP3, SIEVE }

    @Test
    void aWellBehavedClientKeepsItsLatencyWhileHundredsMisbehave() throws Exception {
        long seconds = Long.getLong("soak.seconds", 40);
        TestNode node = null;
        ExecutorService hostile = Executors.newVirtualThreadPerTaskExecutor();
        try {
            node = new TestNode(dir.resolve("var"), c -> {
                c.node.bind = NODE;
                c.security.allowlist = List.of();
            });
            var accounts = new Accounts(node.node.storage(), "example.test");
            accounts.create("soak", "soak-password");
            accounts.create("mallory", "mallory-password");
            Map<Protocol, Integer> ports = Map.of(Protocol.SMTP, node.smtp(), Protocol.IMAP, node.imap(),
                    Protocol.POP3, node.pop3(), Protocol.SIEVE, node.node.manageSievePort());

            long started = System.nanoTime();
            deadline = started + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < HOSTILE_CLIENTS; i++) {
                int id = i;
                running.add(hostile.submit(() -> hostileLoop(id, ports)));
            }

            var good = new GoodClient(node.smtp(), node.imap());
            good.run();
            for (Future<?> f : running) f.get(60, TimeUnit.SECONDS); // each loop stops itself at the deadline

            long hostileEnded = System.nanoTime();
            node.awaitDelivered();
            Map<String, Integer> inMailbox = good.subjectsInMailbox();
            good.close();

            long smtpP50 = percentile(good.smtpMillis, 50), smtpP99 = percentile(good.smtpMillis, 99);
            long imapP50 = percentile(good.imapMillis, 50), imapP99 = percentile(good.imapMillis, 99);
            String report = String.format("soak %d s: %d hostile connections %s, %d checked usable after a bad line; good client: %d messages accepted, "
                            + "SMTP transaction p50 %d ms p99 %d ms (max %d), IMAP command p50 %d ms p99 %d ms (max %d); bound %d ms",
                    seconds, hostileConnections.get(), new java.util.TreeMap<>(behaviours), usableAfterError.get(), good.accepted.size(),
                    smtpP50, smtpP99, percentile(good.smtpMillis, 100), imapP50, imapP99, percentile(good.imapMillis, 100), P99_BOUND_MS);
            System.out.println(report);
            System.out.printf("soak phases: hostile clients ended %d ms after the deadline, checks took %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(hostileEnded - deadline), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hostileEnded));
            Files.writeString(Path.of("target", "soak.txt"), report + "\n");

            assertThat(good.failures).as("the good client's SMTP transactions and IMAP commands all succeeded").isEmpty();
            assertThat(violations).as("bad lines answered with a protocol error, the session usable after").isEmpty();
            assertThat(good.accepted).as("the good client sent throughout").hasSizeGreaterThan((int) seconds);
            assertThat(hostileConnections.get()).as("the hostile clients kept at it").isGreaterThan(HOSTILE_CLIENTS * 5);
            assertThat(usableAfterError.get()).as("sessions checked usable after a bad line").isGreaterThan(HOSTILE_CLIENTS);
            for (String subject : good.accepted) {
                assertThat(inMailbox.getOrDefault(subject, 0)).as("%s, accepted with 250, is in the mailbox once", subject).isEqualTo(1);
            }
            assertThat(inMailbox.keySet()).as("only what was accepted; nothing a hostile client left mid-DATA or mid-literal")
                    .containsExactlyInAnyOrderElementsOf(good.accepted);
            assertThat(smtpP99).as("SMTP p99 (p50 %d ms)", smtpP50).isLessThan(P99_BOUND_MS);
            assertThat(imapP99).as("IMAP p99 (p50 %d ms)", imapP50).isLessThan(P99_BOUND_MS);
        } finally {
            deadline = System.nanoTime(); // any loop still running ends at its next step
            for (Socket s : sockets) closeQuietly(s);
            hostile.shutdownNow();
            hostile.awaitTermination(30, TimeUnit.SECONDS);
            if (node != null) node.close();
        }
    }

    private boolean running() {
        return System.nanoTime() < deadline && hostileConnections.get() < MAX_HOSTILE_CONNECTIONS;
    }

    // ---------------------------------------------------------------- the well-behaved client

    /** Sends over SMTP (a connection per message, as a sorter would) and reads over one IMAP session. */
    private final class GoodClient implements AutoCloseable {
        final int smtpPort;
        final LineClient imap;
        final List<Long> smtpMillis = new ArrayList<>();
        final List<Long> imapMillis = new ArrayList<>();
        final List<String> accepted = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        int tag;

        GoodClient(int smtpPort, int imapPort) throws IOException {
            this.smtpPort = smtpPort;
            imap = connect(GOOD, imapPort, 10_000);
            imap.await("* OK");
            command("LOGIN soak soak-password");
            command("SELECT INBOX");
        }

        void run() throws InterruptedException {
            for (int n = 0; System.nanoTime() < deadline; n++) {
                String subject = "soak-" + n;
                long start = System.nanoTime();
                try {
                    send(subject);
                    accepted.add(subject);
                } catch (IOException e) {
                    failures.add(subject + ": " + e.getMessage()); // not 250: the client would retry; none are expected here
                }
                smtpMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                try {
                    timed(n % 5 == 4 ? "UID SEARCH SUBJECT soak-" + (n - 2) : "NOOP");
                } catch (IOException e) {
                    failures.add("IMAP: " + e.getMessage());
                    return; // the session is gone: nothing more to measure on it
                }
                Thread.sleep(250);
            }
        }

        private void send(String subject) throws IOException {
            try (var smtp = connect(GOOD, smtpPort, 10_000)) {
                expect(smtp, "220 ");
                smtp.send("EHLO good.example");
                expect(smtp, "250 ");
                smtp.send("MAIL FROM:<sender@good.example>");
                expect(smtp, "250 ");
                smtp.send("RCPT TO:<soak@example.test>");
                expect(smtp, "250 ");
                smtp.send("DATA");
                expect(smtp, "354 ");
                smtp.send("From: sender@good.example\r\nTo: soak@example.test\r\nSubject: " + subject + "\r\n\r\nsoak\r\n.");
                expect(smtp, "250 ");
                smtp.send("QUIT");
            }
        }

        private void expect(LineClient c, String code) throws IOException {
            String line;
            do line = c.in().readLine(); while (line != null && line.length() > 3 && line.charAt(3) == '-');
            if (line == null || !line.startsWith(code)) throw new IOException("expected " + code + "but got " + line);
        }

        private void timed(String command) throws IOException {
            long start = System.nanoTime();
            command(command);
            imapMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }

        /** Sends a command and reads to its tagged answer, which must be OK; returns the lines before it. */
        List<String> command(String command) throws IOException {
            String t = "g" + (++tag);
            imap.send(t + " " + command);
            List<String> lines = new ArrayList<>();
            for (String line; (line = imap.in().readLine()) != null; ) {
                if (line.startsWith(t + " ")) {
                    if (!line.startsWith(t + " OK")) throw new IOException(command + ": " + line);
                    return lines;
                }
                lines.add(line);
            }
            throw new IOException(command + ": connection closed");
        }

        /** How often each "soak-" or "hostile-" subject is in INBOX. */
        Map<String, Integer> subjectsInMailbox() throws IOException {
            Map<String, Integer> subjects = new java.util.HashMap<>();
            command("NOOP");
            for (String line : command("UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")) {
                if (line.startsWith("Subject: ")) subjects.merge(line.substring(9).strip(), 1, Integer::sum);
            }
            return subjects;
        }

        @Override
        public void close() throws IOException {
            command("LOGOUT");
            imap.close();
        }
    }

    // ---------------------------------------------------------------- the hostile clients

    private void hostileLoop(int id, Map<Protocol, Integer> ports) {
        var random = new Random(1000 + id);
        Protocol[] protocols = Protocol.values();
        while (running()) {
            Protocol protocol = protocols[random.nextInt(protocols.length)];
            String source = "127.0.15." + (1 + random.nextInt(250));
            String behaviour = switch (random.nextInt(id < 8 ? 9 : 8)) { // ids under 8 also do the logged-in kind
                case 0 -> "random";
                case 1 -> "truncated";
                case 2 -> id % 3 == 0 ? "slow" : "random";
                case 3 -> "long-line";
                case 4 -> "garbage-then-valid";
                case 5 -> "reset";
                case 6 -> "mid-data";
                case 7 -> "mid-literal";
                default -> "logged-in";
            };
            if (behaviour.equals("mid-data")) protocol = Protocol.SMTP;
            if (behaviour.equals("logged-in")) protocol = Protocol.IMAP;
            if (behaviour.equals("mid-literal") && protocol != Protocol.IMAP) protocol = Protocol.SIEVE;
            hostileConnections.incrementAndGet();
            behaviours.computeIfAbsent(behaviour, k -> new AtomicInteger()).incrementAndGet();
            LineClient client = null;
            try (var c = client = connect(source, ports.get(protocol), 3000)) {
                switch (behaviour) {
                    case "random" -> random(c, random);
                    case "truncated" -> truncated(c, protocol, random);
                    case "slow" -> slow(c, protocol, random);
                    case "long-line" -> longLine(c, protocol);
                    case "garbage-then-valid" -> garbageThenValid(c, protocol, random);
                    case "reset" -> reset(c, protocol, random);
                    case "mid-data" -> midData(c, random);
                    case "mid-literal" -> midLiteral(c, protocol, random);
                    default -> loggedIn(c, random);
                }
            } catch (IOException expected) {
                // refused by a limit, reset, timed out: all fine for a hostile client
            } finally {
                if (client != null) sockets.remove(client.socket());
            }
            try {
                Thread.sleep(20 + random.nextInt(100));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static final Map<Protocol, List<String>> COMMANDS = Map.of(
            Protocol.SMTP, List.of("EHLO x.example", "MAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME", "RCPT TO:<soak@example.test> NOTIFY=NEVER",
                    "AUTH PLAIN AGEAYg==", "BDAT 10 LAST", "VRFY soak", "STARTTLS", "RSET", "DATA"),
            Protocol.IMAP, List.of("a LOGIN x y", "a AUTHENTICATE PLAIN", "a CAPABILITY", "a SELECT INBOX", "a ID (\"name\" \"x\")",
                    "a FETCH 1:* (BODY[HEADER.FIELDS (SUBJECT)]<0.10>)", "a LOGIN {5}", "a STARTTLS", "a ENABLE UTF8=ACCEPT"),
            Protocol.POP3, List.of("USER nobody", "PASS wrong", "CAPA", "STLS", "AUTH PLAIN", "APOP x 0123456789abcdef0123456789abcdef", "TOP 1 5", "UIDL"),
            Protocol.SIEVE, List.of("CAPABILITY", "AUTHENTICATE \"PLAIN\" \"AGEAYg==\"", "PUTSCRIPT \"x\" {5+}", "LISTSCRIPTS", "HAVESPACE \"x\" 100",
                    "STARTTLS", "NOOP \"tag\""));

    private static String command(Protocol p, Random random) {
        List<String> list = COMMANDS.get(p);
        return list.get(random.nextInt(list.size()));
    }

    private static void random(LineClient c, Random random) throws IOException {
        byte[] junk = new byte[random.nextInt(3000)];
        for (int i = 0; i < junk.length; i++) {
            int kind = random.nextInt(10);
            junk[i] = (byte) (kind == 0 ? '\r' : kind == 1 ? '\n' : kind < 6 ? 32 + random.nextInt(95) : random.nextInt(256));
        }
        c.out().write(junk);
        c.out().flush();
        drain(c, 300);
    }

    private static void truncated(LineClient c, Protocol p, Random random) throws IOException {
        String command = command(p, random);
        c.out().write(command.substring(0, random.nextInt(command.length())).getBytes(StandardCharsets.US_ASCII));
        c.out().flush();
        drain(c, 100);
    }

    /** A command at one byte a second, for up to 15 seconds: it holds its connection all that while. */
    private void slow(LineClient c, Protocol p, Random random) throws IOException {
        byte[] command = (command(p, random) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int i = 0; i < command.length && running() && System.nanoTime() < until; i++) {
            c.out().write(command[i]);
            c.out().flush();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void longLine(LineClient c, Protocol p) throws IOException {
        byte[] line = new byte[100_000];
        java.util.Arrays.fill(line, (byte) 'A');
        if (p == Protocol.IMAP) line[0] = 't';
        c.out().write(line);
        c.out().flush();
        drain(c, 500);
    }

    /**
     * A line the protocol does not know, then a valid command: the first must get the protocol's
     * error and the second its normal answer, on the same connection.
     */
    private void garbageThenValid(LineClient c, Protocol p, Random random) throws IOException {
        StringBuilder garbage = new StringBuilder("X");
        for (int i = random.nextInt(150); i > 0; i--) {
            char ch = (char) (33 + random.nextInt(94));
            garbage.append(ch == '{' || ch == '"' ? 'q' : ch); // no literal, no string left open
        }
        String greeting = switch (p) {
            case SMTP -> reply(c, l -> l.length() > 3 && l.charAt(3) == '-');
            case SIEVE -> reply(c, l -> !(l.startsWith("OK") || l.startsWith("NO") || l.startsWith("BYE")));
            default -> c.in().readLine();
        };
        if (greeting == null || !(greeting.startsWith("220") || greeting.startsWith("* OK") || greeting.startsWith("+OK") || greeting.startsWith("OK"))) {
            return; // a per-address limit refused us: right for a hostile client
        }
        switch (p) {
            case SMTP -> {
                c.send(garbage.toString());
                check(p, garbage, reply(c, l -> l.length() > 3 && l.charAt(3) == '-'), "5");
                c.send("NOOP");
                check(p, "NOOP", reply(c, l -> l.length() > 3 && l.charAt(3) == '-'), "250");
            }
            case IMAP -> {
                c.send("g " + garbage);
                check(p, garbage, reply(c, l -> !l.startsWith("g ")), "g BAD");
                c.send("n NOOP");
                check(p, "NOOP", reply(c, l -> !l.startsWith("n ")), "n OK");
            }
            case POP3 -> {
                c.send(garbage.toString());
                check(p, garbage, c.in().readLine(), "-ERR");
                c.send("CAPA");
                check(p, "CAPA", c.in().readLine(), "+OK");
            }
            case SIEVE -> {
                c.send(garbage.toString());
                check(p, garbage, reply(c, l -> !(l.startsWith("OK") || l.startsWith("NO") || l.startsWith("BYE"))), "NO");
                c.send("NOOP");
                check(p, "NOOP", reply(c, l -> !(l.startsWith("OK") || l.startsWith("NO") || l.startsWith("BYE"))), "OK");
            }
        }
        usableAfterError.incrementAndGet();
    }

    private static String reply(LineClient c, java.util.function.Predicate<String> more) throws IOException {
        String line;
        do line = c.in().readLine(); while (line != null && more.test(line));
        return line;
    }

    private void check(Protocol p, CharSequence sent, String reply, String expected) {
        if (reply == null || !reply.startsWith(expected)) violations.add(p + ": " + sent + " -> " + reply + " (expected " + expected + ")");
    }

    /** Half a command, then a TCP reset rather than a close. */
    private static void reset(LineClient c, Protocol p, Random random) throws IOException {
        String command = command(p, random);
        c.out().write(command.substring(0, 1 + random.nextInt(command.length())).getBytes(StandardCharsets.US_ASCII));
        c.out().flush();
        c.socket().setSoLinger(true, 0);
    }

    /** SMTP up to DATA and part of a message, then gone: no 250, so it must never be delivered. */
    private static void midData(LineClient c, Random random) throws IOException {
        if (!smtpStep(c, null, "220")) return;
        if (!smtpStep(c, "EHLO mid.example", "250")) return;
        if (!smtpStep(c, "MAIL FROM:<mid@mid.example>", "250")) return;
        if (!smtpStep(c, "RCPT TO:<soak@example.test>", "250")) return;
        if (!smtpStep(c, "DATA", "354")) return;
        String message = "Subject: hostile-" + random.nextInt(1_000_000) + "\r\n\r\n" + "x".repeat(random.nextInt(5000));
        c.out().write(message.substring(0, random.nextInt(message.length())).getBytes(StandardCharsets.US_ASCII));
        c.out().flush();
        if (random.nextBoolean()) c.socket().setSoLinger(true, 0);
    }

    private static boolean smtpStep(LineClient c, String command, String code) throws IOException {
        if (command != null) c.send(command);
        String line = reply(c, l -> l.length() > 3 && l.charAt(3) == '-');
        return line != null && line.startsWith(code);
    }

    /** A literal announced and only partly sent: IMAP LOGIN before authentication, ManageSieve PUTSCRIPT. */
    private static void midLiteral(LineClient c, Protocol p, Random random) throws IOException {
        int size = 10 + random.nextInt(10_000);
        boolean nonSync = random.nextBoolean();
        String head = p == Protocol.IMAP ? "m LOGIN {" + size + (nonSync ? "+" : "") + "}" : "PUTSCRIPT \"x\" {" + size + "+}";
        c.send(head);
        c.out().write("y".repeat(random.nextInt(size)).getBytes(StandardCharsets.US_ASCII));
        c.out().flush();
        drain(c, 100);
    }

    /** Logged in (as another account), then garbage commands, then an APPEND cut off in its literal. */
    private void loggedIn(LineClient c, Random random) throws IOException {
        if (c.in().readLine() == null) return;
        c.send("l LOGIN mallory mallory-password");
        String answer = reply(c, l -> !l.startsWith("l "));
        if (answer == null || !answer.startsWith("l OK")) return; // a limit said no
        c.send("s SELECT INBOX");
        reply(c, l -> !l.startsWith("s "));
        String[] verbs = {"FETCH", "UID FETCH", "STORE", "SEARCH", "UID SEARCH", "COPY", "MOVE", "LIST", "STATUS", "SORT", "THREAD", "EXAMINE", "APPEND"};
        String alphabet = "abc 019*:,$()[]<>\"\\~+-.%&INBOX";
        for (int i = 0; i < 30 && running(); i++) {
            var args = new StringBuilder();
            for (int k = random.nextInt(40); k > 0; k--) args.append(alphabet.charAt(random.nextInt(alphabet.length())));
            String tag = "h" + i;
            c.send(tag + " " + verbs[random.nextInt(verbs.length)] + " " + args);
            String done = reply(c, l -> !l.startsWith(tag + " "));
            if (done == null) {
                violations.add("IMAP: session closed after " + args);
                return;
            }
        }
        c.send("n NOOP");
        check(Protocol.IMAP, "NOOP after garbage", reply(c, l -> !l.startsWith("n ")), "n OK");
        int size = 100 + random.nextInt(5000);
        c.send("a APPEND INBOX {" + size + "+}");
        c.out().write(("Subject: hostile-append\r\n\r\n" + "z".repeat(size)).substring(0, size / 2).getBytes(StandardCharsets.US_ASCII));
        c.out().flush();
    }

    // ---------------------------------------------------------------- plumbing

    /** A connection from {@code source}, closed by the test's end whatever happens. */
    private LineClient connect(String source, int port, int timeoutMillis) throws IOException {
        var socket = new Socket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress(NODE, port), 5000);
        socket.setSoTimeout(timeoutMillis);
        return new LineClient(socket, new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1)), socket.getOutputStream());
    }

    /** Reads whatever the server says for a while, so that it never blocks writing to us. */
    private static void drain(LineClient c, int millis) throws IOException {
        c.socket().setSoTimeout(millis);
        InputStream in = c.socket().getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) { /* discard */ }
        } catch (SocketTimeoutException enough) {
            // done
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) return -1;
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
