package mailroom.transfer.mbox;

import mailroom.transfer.Destination;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;

/**
 * Writes mboxrd files in the layout Dovecot's mbox storage reads ({@code mail_location =
 * mbox:DIR:INBOX=DIR/inbox}): INBOX is {@code inbox}, "Lists/foo" is the file {@code Lists/foo}.
 * Lines end in LF; "From " lines in the text get one more '>'; flags are written as Status and
 * X-Status, keywords as X-Keywords, at the end of each header.
 */
public final class MboxDestination implements Destination {
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);
    private final Path root;
    private OutputStream out;

    public MboxDestination(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            try (var entries = Files.list(root)) {
                if (entries.findAny().isPresent()) throw new IllegalArgumentException(root + " is not empty; export into a new directory");
            }
        }
        this.root = Files.createDirectories(root);
    }

    @Override
    public void startFolder(String name, long uidValidity, long uidNext) throws IOException {
        Path file = root.resolve(name.equals("INBOX") ? "inbox" : name);
        Files.createDirectories(file.getParent());
        out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }

    @Override
    public void message(long uid, Set<String> flags, Instant internalDate, byte[] bytes) throws IOException {
        out.write(("From MAILER-DAEMON " + ASCTIME.format(internalDate) + "\n").getBytes(StandardCharsets.US_ASCII));
        boolean inHeader = true;
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int lineEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            boolean blank = lineEnd == start;
            if (inHeader && blank) {
                out.write(statusLines(flags).getBytes(StandardCharsets.UTF_8));
                inHeader = false;
            }
            if (isQuotedFrom(bytes, start, lineEnd)) out.write('>');
            out.write(bytes, start, lineEnd - start);
            out.write('\n');
            start = end + 1;
        }
        if (inHeader) out.write((statusLines(flags) + "\n").getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    private static boolean isQuotedFrom(byte[] b, int start, int end) {
        int i = start;
        while (i < end && b[i] == '>') i++;
        return end - i >= 5 && b[i] == 'F' && b[i + 1] == 'r' && b[i + 2] == 'o' && b[i + 3] == 'm' && b[i + 4] == ' ';
    }

    private static String statusLines(Set<String> flags) {
        StringBuilder status = new StringBuilder("O"), x = new StringBuilder(), keywords = new StringBuilder();
        for (String f : flags) {
            switch (f.toLowerCase(Locale.ROOT)) {
                case "\\seen" -> status.insert(0, 'R');
                case "\\answered" -> x.append('A');
                case "\\flagged" -> x.append('F');
                case "\\draft" -> x.append('T');
                case "\\deleted" -> x.append('D');
                default -> {
                    if (!f.startsWith("\\")) keywords.append(keywords.isEmpty() ? "" : " ").append(f);
                }
            }
        }
        return "Status: " + status + "\n" + (x.isEmpty() ? "" : "X-Status: " + x + "\n") + (keywords.isEmpty() ? "" : "X-Keywords: " + keywords + "\n");
    }

    @Override
    public void endFolder() throws IOException {
        out.close();
        out = null;
    }

    /** Dovecot's mbox storage keeps subscriptions in a file of its own, one name per line. */
    @Override
    public void subscriptions(Set<String> names) throws IOException {
        Files.writeString(root.resolve(".subscriptions"), String.join("\n", names) + (names.isEmpty() ? "" : "\n"), StandardCharsets.UTF_8);
    }
}
