package mailroom.transfer.maildir;

import mailroom.core.mail.MailboxNames;
import mailroom.transfer.Destination;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Maildir++ tree Dovecot reads as it is: the flags in the file names, keywords in each
 * folder's {@code dovecot-keywords}, the UIDs and UIDVALIDITY in {@code dovecot-uidlist} (so
 * clients that switch to Dovecot keep their caches), the internal date as the file's mtime, and
 * the subscriptions. Each file is written in {@code tmp/} and renamed into {@code cur/}.
 */
public final class MaildirDestination implements Destination {
    private static final String HOST = "mailroom";
    private final Path root;
    private final long pid = ProcessHandle.current().pid();
    private Path dir;
    private long uidValidity, uidNext;
    private final Map<String, Integer> keywords = new LinkedHashMap<>();
    private final List<String> uidLines = new ArrayList<>();

    public MaildirDestination(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            try (var entries = Files.list(root)) {
                if (entries.findAny().isPresent()) throw new IllegalArgumentException(root + " is not empty; export into a new directory");
            }
        }
        this.root = Files.createDirectories(root);
    }

    @Override
    public void startFolder(String name, long uidValidity, long uidNext, Set<String> folderKeywords) throws IOException {
        dir = Maildir.folderDir(root, name);
        for (String sub : List.of("cur", "new", "tmp")) Files.createDirectories(dir.resolve(sub));
        if (!dir.equals(root)) Files.write(dir.resolve("maildirfolder"), new byte[0]);
        this.uidValidity = uidValidity;
        this.uidNext = uidNext;
        keywords.clear();
        uidLines.clear();
    }

    @Override
    public void message(long uid, Set<String> flags, Instant internalDate, byte[] bytes) throws IOException {
        String base = internalDate.getEpochSecond() + ".M" + uid + "P" + pid + "." + HOST + ",S=" + bytes.length;
        String info = info(flags);
        Path tmp = dir.resolve("tmp").resolve(base);
        Files.write(tmp, bytes);
        Files.setLastModifiedTime(tmp, FileTime.from(internalDate));
        Files.move(tmp, dir.resolve("cur").resolve(base + ":2," + info), StandardCopyOption.ATOMIC_MOVE);
        uidLines.add(uid + " :" + base);
    }

    /** The letters after ":2,": system flags in ASCII order, then the keywords' letters. */
    private String info(Set<String> flags) {
        StringBuilder system = new StringBuilder(), keys = new StringBuilder();
        for (var e : Maildir.FLAG_LETTERS.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            if (e.getKey() != 'P' && flags.stream().anyMatch(f -> f.equalsIgnoreCase(e.getValue()))) system.append(e.getKey());
        }
        for (String flag : flags) {
            // $Forwarded stays a keyword: Dovecot does not read Courier's P as one.
            if (flag.startsWith("\\")) continue;
            Integer index = keywords.get(flag);
            if (index == null && keywords.size() < 26) keywords.put(flag, index = keywords.size());
            if (index != null) keys.append((char) ('a' + index)); // Maildir has letters for 26 keywords per folder
        }
        char[] k = keys.toString().toCharArray();
        java.util.Arrays.sort(k);
        return system + new String(k);
    }

    @Override
    public void endFolder() throws IOException {
        StringBuilder kw = new StringBuilder();
        keywords.forEach((k, i) -> kw.append(i).append(' ').append(k).append('\n'));
        if (!keywords.isEmpty()) Files.writeString(dir.resolve("dovecot-keywords"), kw, StandardCharsets.UTF_8);
        StringBuilder list = new StringBuilder("3 V" + uidValidity + " N" + uidNext + "\n");
        for (String line : uidLines) list.append(line).append('\n');
        Files.writeString(dir.resolve("dovecot-uidlist"), list, StandardCharsets.UTF_8);
    }

    @Override
    public void subscriptions(Set<String> names) throws IOException {
        StringBuilder s = new StringBuilder("V\t2\n\n");
        for (String name : names) {
            List<String> levels = new ArrayList<>();
            for (String level : name.split("/", -1)) levels.add(MailboxNames.encodeUtf7(level));
            s.append(String.join("\t", levels)).append('\n');
        }
        Files.writeString(root.resolve("subscriptions"), s, StandardCharsets.UTF_8);
    }
}
