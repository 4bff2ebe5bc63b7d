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
 * Lines end in LF (a message without a final newline gains one: every mbox message ends with a
 * line); "From " lines in the text get one more '>'; flags are written as Status and
 * X-Status, keywords as X-Keywords, the UID as X-UID, and the first message of each file carries
 * X-IMAPbase (UIDVALIDITY, UIDNEXT and the folder's keywords), all of which Dovecot reads and hides. A file cannot also be a directory:
 * a folder with subfolders is only their directory when it is empty, and {@code NAME.mbox} beside
 * it when it holds mail.
 */
public final class MboxDestination implements Destination {
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);
    private final Path root;
    private final java.util.Set<String> parents = new java.util.HashSet<>();
    private String folder;
    private long uidValidity, uidNext;
    private Set<String> keywords = Set.of();
    private boolean first;
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
    public void plan(java.util.Collection<String> folderNames) {
        for (String name : folderNames) {
            for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) parents.add(name.substring(0, slash));
        }
    }

    @Override
    public void startFolder(String name, long uidValidity, long uidNext, Set<String> keywords) throws IOException {
        folder = name;
        this.uidValidity = uidValidity;
        this.uidNext = uidNext;
        this.keywords = keywords;
        first = true;
        if (!parents.contains(name)) open(); // an empty folder is an empty file; an empty parent only a directory
    }

    private void open() throws IOException {
        // Levels in modified UTF-7, as Dovecot names mailbox files on disk.
        String file = folder.equals("INBOX") ? "inbox" : String.join("/", java.util.Arrays.stream(folder.split("/", -1))
                .map(mailroom.core.mail.MailboxNames::encodeUtf7).toList());
        Path path = root.resolve(parents.contains(folder) ? file + ".mbox" : file);
        Files.createDirectories(path.getParent());
        out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
    }

    @Override
    public void message(long uid, Set<String> flags, Instant internalDate, byte[] bytes) throws IOException {
        if (out == null) open();
        out.write(("From MAILER-DAEMON " + ASCTIME.format(internalDate) + "\n").getBytes(StandardCharsets.US_ASCII));
        boolean inHeader = true;
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int lineEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            boolean blank = lineEnd == start;
            if (inHeader && blank) {
                out.write(statusLines(uid, flags).getBytes(StandardCharsets.UTF_8));
                inHeader = false;
            }
            if (isQuotedFrom(bytes, start, lineEnd)) out.write('>');
            out.write(bytes, start, lineEnd - start);
            out.write('\n');
            start = end + 1;
        }
        if (inHeader) out.write((statusLines(uid, flags) + "\n").getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    private static boolean isQuotedFrom(byte[] b, int start, int end) {
        int i = start;
        while (i < end && b[i] == '>') i++;
        return end - i >= 5 && b[i] == 'F' && b[i + 1] == 'r' && b[i + 2] == 'o' && b[i + 3] == 'm' && b[i + 4] == ' ';
    }

    private String statusLines(long uid, Set<String> flags) {
        String base = "";
        if (first) {
            base = String.format("X-IMAPbase: %d %010d%s%n", uidValidity, uidNext, keywords.isEmpty() ? "" : " " + String.join(" ", keywords));
            first = false;
        }
        return base + flagLines(flags) + "X-UID: " + uid + "\n";
    }

    private static String flagLines(Set<String> flags) {
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
        if (out != null) out.close();
        out = null;
    }

    /** Dovecot's mbox storage keeps subscriptions in a file of its own, one name per line. */
    @Override
    public void subscriptions(Set<String> names) throws IOException {
        Files.writeString(root.resolve(".subscriptions"), String.join("\n", names) + (names.isEmpty() ? "" : "\n"), StandardCharsets.UTF_8);
    }
}
