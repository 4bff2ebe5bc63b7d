package mailroom.transfer.mbox;

import mailroom.core.mail.MailboxNames;
import mailroom.transfer.Source;
import mailroom.transfer.SourceMessage;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * mbox files (mboxo and mboxrd): messages start at a "From " line at the top of the file or after
 * a blank line; ">From " lines (with any number of '>') lose one '>'; lines end in CRLF once
 * imported, as IMAP wants. Flags come from {@code Status}/{@code X-Status} (mutt, Pine, Dovecot)
 * and Thunderbird's {@code X-Mozilla-Status}/{@code X-Mozilla-Keys}; the internal date from the
 * "From " line. Each file is a folder named after it, or all go into one named {@code --mailbox}.
 */
public final class MboxSource implements Source {
    private final Map<String, List<Path>> folders = new LinkedHashMap<>();

    public MboxSource(List<Path> files, String mailbox) {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + " is not a file");
            folders.computeIfAbsent(mailbox != null ? MailboxNames.canonical(mailbox) : folderOf(file), k -> new ArrayList<>()).add(file);
        }
    }

    /** "Sent.mbox" is "Sent"; "inbox" is INBOX. */
    static String folderOf(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".mbox")) name = name.substring(0, name.length() - 5);
        return MailboxNames.canonical(name);
    }

    @Override
    public String id() {
        return "mbox";
    }

    @Override
    public List<Folder> folders() {
        return folders.keySet().stream().map(name -> new Folder(name, 0)).toList();
    }

    @Override
    public Set<String> subscriptions() {
        return folders.keySet();
    }

    @Override
    public void read(Folder folder, Set<String> done, Sink sink) throws IOException {
        Map<String, Integer> seen = new HashMap<>();
        for (Path file : folders.get(folder.name())) {
            try (var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                readFile(file.getFileName().toString(), new Lines(in), folder, done, seen, sink);
            }
        }
    }

    /** Lines of bytes, each with its LF; the last may lack one when the file was cut short. */
    private static final class Lines {
        private final InputStream in;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean lastHadNoNewline;

        Lines(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            line.reset();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') return line.toByteArray();
            }
            if (line.size() == 0) return null;
            lastHadNoNewline = true;
            return line.toByteArray();
        }
    }

    private static boolean isFromLine(byte[] line) {
        return line.length >= 5 && line[0] == 'F' && line[1] == 'r' && line[2] == 'o' && line[3] == 'm' && line[4] == ' ';
    }

    private static boolean isBlank(byte[] line) {
        return line.length == 1 && line[0] == '\n' || line.length == 2 && line[0] == '\r' && line[1] == '\n';
    }

    private void readFile(String fileName, Lines lines, Folder folder, Set<String> done, Map<String, Integer> seen, Sink sink) throws IOException {
        byte[] line = lines.next();
        if (line == null) return;
        if (!isFromLine(line)) {
            sink.problem(folder.name(), fileName, "not an mbox file (it does not begin with a \"From \" line); nothing imported from it");
            return;
        }
        int ordinal = 0;
        while (line != null) {
            ordinal++;
            String fromLine = new String(line, StandardCharsets.ISO_8859_1).strip();
            var message = new ByteArrayOutputStream();
            boolean pendingBlank = false;
            boolean inHeader = true;
            var header = new StringBuilder();
            for (line = lines.next(); line != null; line = lines.next()) {
                if (pendingBlank && isFromLine(line)) break;
                if (pendingBlank) writeCrlf(message, new byte[]{'\n'});
                pendingBlank = isBlank(line);
                if (pendingBlank) {
                    if (inHeader) {
                        inHeader = false;
                        writeCrlf(message, line);
                        pendingBlank = false;
                    }
                    continue;
                }
                if (inHeader) header.append(new String(line, StandardCharsets.ISO_8859_1));
                writeCrlf(message, unquote(line));
            }
            // The blank line before the next "From " line is the separator; at the end of the file it is the message's own.
            if (pendingBlank && line == null) writeCrlf(message, new byte[]{'\n'});
            String where = fileName + " message " + ordinal;
            if (line == null && lines.lastHadNoNewline) {
                sink.problem(folder.name(), where, "truncated (the file ends in the middle of a line); not imported");
                return;
            }
            if (inHeader) {
                sink.problem(folder.name(), where, "truncated or corrupt (its header never ends); not imported");
                continue;
            }
            byte[] bytes = message.toByteArray();
            String digest = sha256(bytes);
            int n = seen.merge(digest, 1, Integer::sum);
            String item = fileName + ":" + digest + "#" + n;
            if (done.contains(item)) {
                sink.skipped();
                continue;
            }
            Instant date = MboxFlags.fromLineDate(fromLine);
            sink.message(new SourceMessage(folder.name(), item, 0, MboxFlags.of(header.toString()), date, bytes.length, () -> bytes));
        }
    }

    /** mboxrd: a line of '>'s then "From " lost one '>' when it was written. */
    private static byte[] unquote(byte[] line) {
        int i = 0;
        while (i < line.length && line[i] == '>') i++;
        if (i > 0 && line.length - i >= 5 && line[i] == 'F' && line[i + 1] == 'r' && line[i + 2] == 'o' && line[i + 3] == 'm' && line[i + 4] == ' ') {
            return java.util.Arrays.copyOfRange(line, 1, line.length);
        }
        return line;
    }

    /** Writes the line with CRLF at its end (whatever it had). */
    private static void writeCrlf(ByteArrayOutputStream out, byte[] line) {
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') end--;
        if (end > 0 && line[end - 1] == '\r') end--;
        out.write(line, 0, end);
        out.write('\r');
        out.write('\n');
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
