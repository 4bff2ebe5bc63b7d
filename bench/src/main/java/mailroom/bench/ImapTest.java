package mailroom.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Dovecot's imaptest, the usual IMAP load generator, run against a stack. It is not part of the
 * repository: build it from its public source (see {@link #HOW_TO_GET}) and put it on the PATH or
 * name it in {@code $IMAPTEST}. Its clients log in as random accounts of a numbered range, select
 * INBOX and run a weighted random mix of commands, APPENDing messages from an mbox file and keeping
 * each mailbox near 30 messages; it checks every answer against its own model of the mailbox.
 *
 * <p>Usage (by hand): ImapTest host port user-template users clients seconds [command=weight...]
 */
public final class ImapTest {
    static final String HOW_TO_GET = """
            imaptest is not installed. Build it outside the repository, then put it on the PATH or set IMAPTEST:
              apt-get install dovecot-dev autoconf automake libtool make gcc
              git clone https://github.com/dovecot/imaptest /work/tools/imaptest-src && cd /work/tools/imaptest-src
              git checkout 924f619
              # Debian's dovecot-dev 2.3.19 takes a fourth argument to imap_parser_create(): add NULL
              sed -i 's/imap_parser_create(\\(.*\\), (size_t)-1)/imap_parser_create(\\1, (size_t)-1, NULL)/' src/*.c
              ./autogen.sh && ./configure --with-dovecot=/usr/lib/dovecot --prefix=/work/tools/imaptest LDFLAGS=-Wl,-rpath,/usr/lib/dovecot && make install
              export IMAPTEST=/work/tools/imaptest/bin/imaptest""";

    /** The mixes the comparison runs: imaptest's defaults, and the same with SEARCH as often as SELECT. */
    static final List<String> DEFAULT_MIX = List.of(), SEARCH_MIX = List.of("search=100");

    private ImapTest() {}

    public static void main(String[] args) throws Exception {
        Path mbox = Files.createTempFile("imaptest", ".mbox");
        try {
            writeMbox(mbox);
            var extra = List.of(args).subList(6, args.length);
            System.out.printf("%.1f ops/s%n", run(binary(), mbox, args[0], Integer.parseInt(args[1]), args[2],
                    Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]), extra));
        } finally {
            Files.deleteIfExists(mbox);
        }
    }

    /** The imaptest program: $IMAPTEST, or imaptest on the PATH; fails with how to get it. */
    static Path binary() {
        String named = System.getenv("IMAPTEST");
        if (named != null && !named.isBlank()) {
            Path p = Path.of(named);
            if (Files.isExecutable(p)) return p;
            throw new IllegalStateException("IMAPTEST=" + named + " is not an executable file\n" + HOW_TO_GET);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "imaptest");
            if (Files.isExecutable(p)) return p;
        }
        throw new IllegalStateException(HOW_TO_GET);
    }

    /**
     * Runs imaptest for {@code seconds} and returns the commands it completed per second: the sum of
     * its "Totals" line (every command kind, LOGIN and LOGOUT included) over the run's length.
     */
    static double run(Path imaptest, Path mbox, String host, int port, String userTemplate, int users, int clients,
                      int seconds, List<String> mix) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(imaptest.toString(), "host=" + host, "port=" + port,
                "user=" + userTemplate, "pass=" + Compare.PASSWORD, "users=" + users, "clients=" + clients,
                "secs=" + seconds, "mbox=" + mbox));
        command.addAll(mix);
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        if (!process.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("imaptest did not finish: " + command);
        }
        // After "Totals:" come the command names, their weights (percent signs) and the counts.
        int totals = output.indexOf("Totals:");
        String counts = totals < 0 ? null : output.subList(totals, output.size()).stream()
                .filter(l -> l.strip().matches("[0-9]+( +[0-9]+)*")).findFirst().orElse(null);
        if (counts == null) throw new IOException("imaptest printed no totals:\n" + String.join("\n", output));
        long errors = output.stream().filter(l -> l.startsWith("Error:") || l.contains("] Error:")).count();
        if (errors > 0) System.out.printf("  (imaptest reported %d errors; the first: %s)%n", errors,
                output.stream().filter(l -> l.contains("Error:")).findFirst().orElse(""));
        long commands = 0;
        for (String count : counts.strip().split(" +")) commands += Long.parseLong(count);
        return commands / (double) seconds;
    }

    /**
     * The messages imaptest APPENDs: 200 of them, plain and multipart, 1 to 40 KB, with the headers
     * its SEARCH and FETCH ENVELOPE commands look at. Fixed by a seed, so both stacks get the same.
     */
    static void writeMbox(Path file) throws IOException {
        var random = new Random(42);
        String[] words = ("the quick brown fox jumps over lazy dog mail server message report meeting budget "
                + "schedule project invoice release draft review quarterly update notes lunch friday").split(" ");
        StringBuilder mbox = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String subject = words[random.nextInt(words.length)] + " " + words[random.nextInt(words.length)] + " " + i;
            mbox.append("From sender").append(i % 17).append("@remote.test Thu Nov 26 10:00:00 2026\r\n")
                    .append("Return-Path: <sender").append(i % 17).append("@remote.test>\r\n")
                    .append("Message-ID: <bench.").append(i).append("@remote.test>\r\n")
                    .append("Date: Thu, 26 Nov 2026 10:").append(String.format("%02d", i % 60)).append(":00 +0000\r\n")
                    .append("From: Sender ").append(i % 17).append(" <sender").append(i % 17).append("@remote.test>\r\n")
                    .append("To: Reader <reader").append(i % 5).append("@example.test>\r\n");
            if (i % 3 == 0) mbox.append("Cc: Team <team@example.test>, Other <other").append(i % 7).append("@remote.test>\r\n");
            if (i % 4 == 1) mbox.append("In-Reply-To: <bench.").append(i - 1).append("@remote.test>\r\n");
            mbox.append("Subject: ").append(subject).append("\r\n").append("MIME-Version: 1.0\r\n");
            String body = paragraph(random, words, 1 + random.nextInt(i % 10 == 0 ? 40 : 6));
            if (i % 5 == 2) {
                mbox.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n")
                        .append("--b").append(i).append("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n").append(body)
                        .append("--b").append(i).append("\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>").append(body).append("</p>\r\n")
                        .append("--b").append(i).append("--\r\n");
            } else {
                mbox.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n").append(body);
            }
            mbox.append("\r\n");
        }
        Files.writeString(file, mbox, StandardCharsets.US_ASCII);
    }

    /** About {@code kilobytes} KB of lines of words (no line starts with "From "). */
    private static String paragraph(Random random, String[] words, int kilobytes) {
        StringBuilder text = new StringBuilder();
        while (text.length() < kilobytes * 1024) {
            StringBuilder line = new StringBuilder();
            while (line.length() < 70) line.append(words[random.nextInt(words.length)]).append(' ');
            text.append(line.toString().strip()).append("\r\n");
        }
        return text.toString();
    }
}
