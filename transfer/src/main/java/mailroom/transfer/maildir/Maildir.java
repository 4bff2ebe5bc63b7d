package mailroom.transfer.maildir;

import mailroom.core.mail.MailboxNames;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Maildir++ layout as Dovecot and Courier write it, in one place for the reader and the writer:
 * INBOX is the root, {@code .Lists.foo} is "Lists/foo" (levels in modified UTF-7), a file's flags
 * follow ":2," in its name (lower-case letters index the folder's {@code dovecot-keywords}), and
 * {@code dovecot-uidlist} keeps each folder's UIDVALIDITY and the UID of every file.
 */
public final class Maildir {
    private Maildir() {}

    /** The maildir letters of the system flags, in the order they appear in file names (ASCII). */
    static final Map<Character, String> FLAG_LETTERS = Map.of('D', "\\Draft", 'F', "\\Flagged", 'P', "$Forwarded", 'R', "\\Answered",
            'S', "\\Seen", 'T', "\\Deleted");

    /** Mailroom's name of a folder directory of the root ("INBOX" for the root itself). */
    static String folderName(Path root, Path dir) {
        if (dir.equals(root)) return "INBOX";
        String name = dir.getFileName().toString().substring(1);
        List<String> levels = new ArrayList<>();
        for (String level : name.split("\\.", -1)) {
            String decoded = MailboxNames.decodeUtf7(level);
            levels.add(decoded == null ? level : decoded);
        }
        return MailboxNames.canonical(String.join("/", levels));
    }

    /** The directory of a folder under the root, the inverse of {@link #folderName}. */
    static Path folderDir(Path root, String name) {
        if (name.equals("INBOX")) return root;
        StringBuilder dir = new StringBuilder();
        for (String level : name.split("/", -1)) dir.append('.').append(MailboxNames.encodeUtf7(level).replace('.', '_'));
        return root.resolve(dir.toString());
    }

    /** The unique part of a file name: everything before the ":2," info (Dovecot also ends it at the first ','). */
    static String baseName(String fileName) {
        int colon = fileName.indexOf(':');
        return colon < 0 ? fileName : fileName.substring(0, colon);
    }

    /** Flags and keywords named by a file name's info part. */
    static Set<String> flags(String fileName, List<String> keywords) {
        Set<String> out = new LinkedHashSet<>();
        int info = fileName.indexOf(":2,");
        if (info < 0) return out;
        for (char c : fileName.substring(info + 3).toCharArray()) {
            String flag = FLAG_LETTERS.get(c);
            if (flag != null) out.add(flag);
            else if (c >= 'a' && c <= 'z' && c - 'a' < keywords.size() && keywords.get(c - 'a') != null) out.add(keywords.get(c - 'a'));
        }
        return out;
    }

    /** {@code dovecot-keywords}: "0 $Label1" lines, index to keyword. */
    static List<String> keywords(Path dir) throws IOException {
        Path file = dir.resolve("dovecot-keywords");
        List<String> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) return out;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int space = line.indexOf(' ');
            if (space <= 0) continue;
            try {
                int index = Integer.parseInt(line.substring(0, space));
                if (index < 0 || index >= 26) continue;
                while (out.size() <= index) out.add(null);
                out.set(index, line.substring(space + 1).strip());
            } catch (NumberFormatException e) {
                // not a keyword line
            }
        }
        return out;
    }

    /** A folder's {@code dovecot-uidlist}: its UIDVALIDITY (0 when there is no list) and each base name's UID. */
    record UidList(long uidValidity, long uidNext, Map<String, Long> uids) {}

    static UidList uidList(Path dir) throws IOException {
        Path file = dir.resolve("dovecot-uidlist");
        if (!Files.isRegularFile(file)) return new UidList(0, 0, Map.of());
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) return new UidList(0, 0, Map.of());
        long uidValidity = 0, uidNext = 0;
        String[] header = lines.getFirst().split(" ");
        if (header[0].equals("1") && header.length >= 3) {
            uidValidity = Long.parseLong(header[1]);
            uidNext = Long.parseLong(header[2]);
        } else {
            for (String field : header) {
                if (field.startsWith("V")) uidValidity = Long.parseLong(field.substring(1));
                if (field.startsWith("N")) uidNext = Long.parseLong(field.substring(1));
            }
        }
        Map<String, Long> uids = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            // "<uid> [extension fields] :<file name>"; version 1 has no colon before the name.
            int space = line.indexOf(' ');
            if (space <= 0) continue;
            int colon = line.indexOf(" :");
            String name = colon >= 0 ? line.substring(colon + 2) : line.substring(line.lastIndexOf(' ') + 1);
            try {
                uids.put(baseName(name), Long.parseLong(line.substring(0, space)));
            } catch (NumberFormatException e) {
                // not a UID line
            }
        }
        return new UidList(uidValidity, uidNext, uids);
    }

    /** The root's {@code subscriptions}: Dovecot's "V\t2" form (levels separated by tabs) or one name per line. */
    static Set<String> subscriptions(Path root) throws IOException {
        Path file = root.resolve("subscriptions");
        Set<String> out = new LinkedHashSet<>();
        if (!Files.isRegularFile(file)) return out;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        boolean v2 = !lines.isEmpty() && lines.getFirst().equals("V\t2");
        for (String line : v2 ? lines.subList(1, lines.size()) : lines) {
            if (line.isBlank()) continue;
            String name = v2 ? line.replace('\t', '/') : (line.startsWith("INBOX.") ? line.substring(6) : line).replace('.', '/');
            String decoded = MailboxNames.decodeUtf7(name);
            out.add(MailboxNames.canonical(decoded == null ? name : decoded));
        }
        return out;
    }
}
