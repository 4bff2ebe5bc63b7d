package mailroom.server;

import mailroom.core.config.Config;
import mailroom.core.config.ConfigLoader;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * The training run of the JDK's ahead-of-time cache (JEP 483, 514, 515): `mailroom serve
 * --aot-training`, run by the launcher under {@code -XX:AOTCacheOutput}, starts a node exactly as
 * `serve` does, on a scratch data directory and ephemeral loopback ports, and drives the work a mail
 * server sees: SMTP deliveries, IMAP sessions with the commands clients and imaptest send, POP3
 * downloads. When it returns the JVM exits and writes the cache: the classes loaded and linked on
 * the way, so that the next start finds them ready, and the method profiles of the hot paths. (The
 * launcher starts `serve` without replaying those profiles into the JIT: measured, the replay cost
 * warm throughput and gave nothing in the first seconds; see bench/compare-notes.md.)
 *
 * <p>Every answer is checked, so a training run that fails (and would cache a wrong profile) says so.
 */
final class AotTraining {
    private static final Pattern POSTMASTER = Pattern.compile("created (postmaster@\\S+) with password (\\S+)");
    private static final String[] FETCH_ITEMS = {
            "FLAGS", "UID FLAGS", "ENVELOPE", "BODYSTRUCTURE", "RFC822.SIZE INTERNALDATE", "BODY.PEEK[]",
            "BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)]", "BODY.PEEK[TEXT]", "BODY.PEEK[1]",
            "UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM SUBJECT)]", "BODY", "RFC822.HEADER", "BODY.PEEK[HEADER]"};
    private static final String[] SEARCHES = {
            "UNSEEN", "ALL", "SEEN", "DELETED", "FLAGGED", "SUBJECT meeting", "FROM sender3", "TO reader", "BODY budget",
            "TEXT quarterly", "OR SEEN FLAGGED", "NOT DELETED", "SINCE 1-Jan-2020", "BEFORE 1-Jan-2100", "LARGER 1000",
            "SMALLER 100000", "1:10", "UID 1:*", "HEADER Message-ID bench", "NEW", "OLD", "ANSWERED"};

    private AotTraining() {}

    /** Runs the training for about {@code length}, on 127.0.0.1 unless {@code bind} names another address. */
    static void run(Duration length, String bind, PrintStream log) throws Exception {
        Path dir = Files.createTempDirectory("mailroom-aot-training");
        try {
            // Through the TOML reader, as a real start goes; then every port ephemeral (which a file may not say).
            Config config = ConfigLoader.parse("""
                    [node]
                    data_dir = "%s"
                    bind = "%s"
                    [smtp]
                    check_authentication = false
                    """.formatted(dir.resolve("var"), bind), "the training configuration");
            config.smtp.port = 0;
            config.submission.port = 0;
            config.submission.tlsPort = 0;
            config.lmtp.port = 0;
            config.pop3.port = 0;
            config.pop3.tlsPort = 0;
            config.imap.port = 0;
            config.imap.tlsPort = 0;
            config.sieve.port = 0;
            config.jmap.port = 0;
            config.admin.port = 0;
            config.director.dnsPort = 0;
            var console = new ByteArrayOutputStream();
            try (var node = new Node(config, new PrintStream(console, true, StandardCharsets.UTF_8))) {
                var m = POSTMASTER.matcher(console.toString(StandardCharsets.UTF_8));
                if (!m.find()) throw new IllegalStateException("the training node made no postmaster account");
                new AotTraining().drive(node, bind, m.group(1), m.group(2), length, log);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private void drive(Node node, String host, String user, String password, Duration length, PrintStream log) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        try (var smtp = new Lines(host, node.smtpPort())) { // a mailbox to work on
            smtp.expect("220");
            smtp.send("EHLO training.test");
            smtp.expect("250 ");
            for (int i = 0; i < 40; i++) deliver(smtp, user, i);
        }
        var counts = new java.util.concurrent.atomic.AtomicLongArray(3);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                var random = new Random(c);
                int client = c;
                clients.add(pool.submit(() -> {
                    do { // at least one session of each kind, however short the run
                        switch (client) {
                            case 0 -> { smtpSession(host, node.smtpPort(), user, random); counts.incrementAndGet(0); }
                            case 3 -> { pop3Session(host, node.pop3Port(), user, password); counts.incrementAndGet(2); }
                            default -> { imapSession(host, node.imapPort(), user, password, random); counts.incrementAndGet(1); }
                        }
                    } while (System.nanoTime() < end);
                    return null;
                }));
            }
            for (var f : clients) f.get();
        }
        log.printf("mailroom: AOT training ran %d SMTP, %d IMAP and %d POP3 sessions%n", counts.get(0), counts.get(1), counts.get(2));
    }

    private static void smtpSession(String host, int port, String user, Random random) throws IOException {
        try (var smtp = new Lines(host, port)) {
            smtp.expect("220");
            smtp.send("EHLO training.test");
            smtp.expect("250 ");
            for (int i = 0; i < 5; i++) deliver(smtp, user, random.nextInt(1000));
            smtp.send("QUIT");
            smtp.expect("221");
        }
    }

    private static void deliver(Lines smtp, String user, int n) throws IOException {
        smtp.send("MAIL FROM:<sender" + n % 7 + "@remote.test>");
        smtp.expect("250");
        smtp.send("RCPT TO:<" + user + ">");
        smtp.expect("250");
        smtp.send("DATA");
        smtp.expect("354");
        smtp.write(message(n) + ".\r\n");
        smtp.expect("250");
    }

    /** A message with the headers clients ask for; every fifth one is multipart. */
    private static String message(int n) {
        String head = "From: Sender " + n % 7 + " <sender" + n % 7 + "@remote.test>\r\nTo: Reader <reader@example.test>\r\n"
                + "Cc: team@example.test\r\nSubject: meeting budget " + n + "\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <bench." + n + "@remote.test>\r\nMIME-Version: 1.0\r\n";
        String text = "The quarterly budget review is on friday, notes attached.\r\n".repeat(1 + n % 40);
        if (n % 5 != 0) return head + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + text;
        return head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" + text
                + "--b\r\nContent-Type: text/html\r\n\r\n<p>" + text + "</p>\r\n--b--\r\n";
    }

    private static void imapSession(String host, int port, String user, String password, Random random) throws IOException {
        try (var imap = new Lines(host, port)) {
            imap.expect("* OK");
            imap.command("CAPABILITY");
            imap.command("LOGIN " + user + " " + password);
            imap.command("LIST \"\" *");
            imap.command("STATUS INBOX (MESSAGES UNSEEN UIDNEXT)");
            int exists = count(imap.command("SELECT INBOX"), 0);
            for (int round = 0; round < 10 && exists > 0; round++) {
                int from = 1 + random.nextInt(exists), to = Math.min(exists, from + random.nextInt(10));
                exists = count(imap.command("FETCH " + from + ":" + to + " (" + FETCH_ITEMS[random.nextInt(FETCH_ITEMS.length)] + ")"), exists);
                exists = count(imap.command("UID FETCH 1:* (FLAGS)"), exists);
                if (exists == 0) break;
                from = 1 + random.nextInt(exists);
                exists = count(imap.command("STORE " + from + " " + (random.nextBoolean() ? "+" : "-") + "FLAGS (\\Seen \\Flagged)"), exists);
                exists = count(imap.command("SEARCH " + SEARCHES[random.nextInt(SEARCHES.length)]), exists);
            }
            String appended = message(random.nextInt(1000));
            imap.write(imap.tag() + " APPEND INBOX (\\Seen) {" + appended.length() + "+}\r\n" + appended + "\r\n");
            imap.awaitTagged();
            exists = count(imap.command("NOOP"), exists);
            if (exists > 0) imap.command("STORE " + exists + " +FLAGS.SILENT (\\Deleted)");
            imap.command("EXPUNGE");
            imap.command("CHECK");
            imap.command("LOGOUT");
        }
    }

    /** The message count after a command's untagged EXISTS and EXPUNGE responses (RFC 9051 section 7.4). */
    private static int count(List<String> untagged, int exists) {
        for (String line : untagged) {
            if (line.endsWith(" EXISTS")) exists = Integer.parseInt(line.split(" ")[1]);
            else if (line.endsWith(" EXPUNGE")) exists--;
        }
        return exists;
    }

    private static void pop3Session(String host, int port, String user, String password) throws IOException {
        try (var pop = new Lines(host, port)) {
            pop.expect("+OK");
            pop.send("USER " + user);
            pop.expect("+OK");
            pop.send("PASS " + password);
            pop.expect("+OK");
            pop.send("STAT");
            int count = Integer.parseInt(pop.expect("+OK").split(" ")[1]);
            pop.send("UIDL");
            pop.expect("+OK");
            pop.untilDot();
            for (int i = 1; i <= Math.min(count, 20); i++) {
                pop.send("RETR " + i);
                pop.expect("+OK");
                pop.untilDot();
            }
            pop.send("QUIT");
            pop.expect("+OK");
        }
    }

    /** A line-protocol client: SMTP, POP3, and IMAP with tags and literals. */
    private static final class Lines implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private int tags;

        Lines(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void send(String line) throws IOException {
            write(line + "\r\n");
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        String line() throws IOException {
            var line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) throw new IOException("connection closed");
                if (b != '\r') line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        /** Reads the reply's lines up to its last (SMTP's "250-" lines go by); fails unless it starts with {@code prefix}. */
        String expect(String prefix) throws IOException {
            String line = line();
            while (line.length() > 3 && line.charAt(3) == '-') line = line();
            if (!line.startsWith(prefix)) throw new IOException("expected " + prefix + ", got: " + line);
            return line;
        }

        void untilDot() throws IOException {
            while (!line().equals(".")) {
                // the message's lines
            }
        }

        String tag() {
            return "t" + (++tags);
        }

        List<String> command(String command) throws IOException {
            send(tag() + " " + command);
            return awaitTagged();
        }

        /** The untagged lines up to the tagged OK of the last command; literals are read and dropped. */
        List<String> awaitTagged() throws IOException {
            String tag = "t" + tags + " ";
            List<String> lines = new ArrayList<>();
            while (true) {
                String line = line();
                while (line.endsWith("}") && line.lastIndexOf('{') >= 0) {
                    long size = Long.parseLong(line.substring(line.lastIndexOf('{') + 1, line.length() - 1));
                    in.skipNBytes(size);
                    line = line.substring(0, line.lastIndexOf('{')) + line();
                }
                if (line.startsWith(tag)) {
                    if (!line.startsWith(tag + "OK")) throw new IOException("training command failed: " + line);
                    return lines;
                }
                lines.add(line);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
