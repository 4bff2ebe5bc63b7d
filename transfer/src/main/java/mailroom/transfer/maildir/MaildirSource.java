package mailroom.transfer.maildir;

import mailroom.transfer.Source;
import mailroom.transfer.SourceMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Maildir++ tree read directly from disk (Dovecot's or Courier's): every folder with its flags
 * and keywords, internal dates (the file's mtime, which is what Dovecot serves as INTERNALDATE),
 * subscriptions, and, where {@code dovecot-uidlist} exists, each folder's UIDVALIDITY and UIDs.
 */
public final class MaildirSource implements Source {
    private final Path root;
    private final Map<String, Path> dirs = new HashMap<>();
    private long files = -1;

    public MaildirSource(Path root) throws IOException {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + " is not a directory");
        this.root = root.toRealPath();
    }

    @Override
    public String id() {
        return "maildir:" + root;
    }

    @Override
    public List<Folder> folders() throws IOException {
        List<Path> candidates = new ArrayList<>();
        if (isFolder(root)) candidates.add(root);
        try (var entries = Files.list(root)) {
            entries.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(".") && !n.equals(".") && !n.equals("..") && isFolder(p);
            }).sorted().forEach(candidates::add);
        }
        List<Folder> out = new ArrayList<>();
        files = 0;
        for (Path dir : candidates) {
            for (String sub : List.of("new", "cur")) {
                if (!Files.isDirectory(dir.resolve(sub))) continue;
                try (var entries = Files.list(dir.resolve(sub))) {
                    files += entries.count(); // for the progress bar's total and ETA
                }
            }
            String name = Maildir.folderName(root, dir);
            dirs.put(name, dir);
            long uidValidity = Maildir.uidList(dir).uidValidity();
            out.add(new Folder(name, uidValidity > 0xFFFFFFFFL ? 0 : uidValidity));
        }
        return out;
    }

    private static boolean isFolder(Path dir) {
        return Files.isDirectory(dir.resolve("cur")) || Files.isDirectory(dir.resolve("new"));
    }

    @Override
    public Set<String> subscriptions() throws IOException {
        return Maildir.subscriptions(root);
    }

    @Override
    public long[] totals() {
        return new long[]{files, -1};
    }

    /** One message file as listed: where it is, whether it is new, and its UID from the list (0: none). */
    private record Entry(Path file, boolean isNew, long uid) {}

    @Override
    public void read(Folder folder, Set<String> done, Sink sink) throws IOException {
        Path dir = dirs.get(folder.name());
        List<String> keywords = Maildir.keywords(dir);
        var uidList = Maildir.uidList(dir);
        List<Entry> entries = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            Path d = dir.resolve(sub);
            if (!Files.isDirectory(d)) continue;
            try (var files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".")) continue;
                    if (!Files.isRegularFile(f)) {
                        sink.problem(folder.name(), sub + "/" + name, "not a file");
                        continue;
                    }
                    entries.add(new Entry(f, sub.equals("new"), uidList.uids().getOrDefault(Maildir.baseName(name), 0L)));
                }
            }
        }
        // Listed UIDs first, ascending (they must be filed in order to be kept), then the rest by name (delivery time).
        entries.sort(Comparator.comparingLong((Entry e) -> e.uid() == 0 ? Long.MAX_VALUE : e.uid())
                .thenComparing(e -> e.file().getFileName().toString()));
        for (Entry e : entries) {
            String fileName = e.file().getFileName().toString();
            String item = Maildir.baseName(fileName);
            if (done.contains(item)) {
                sink.skipped();
                continue;
            }
            long size;
            Instant internalDate;
            try {
                size = Files.size(e.file());
                internalDate = internalDate(fileName, Files.getLastModifiedTime(e.file()).toInstant());
            } catch (NoSuchFileException gone) {
                sink.problem(folder.name(), fileName, "the file went away while importing (renamed or expunged by a running server)");
                continue;
            }
            Set<String> flags = e.isNew() ? Set.of() : Maildir.flags(fileName, keywords);
            sink.message(new SourceMessage(folder.name(), item, e.uid(), flags, internalDate, size, () -> readMail(e.file())));
        }
    }

    /**
     * Dovecot serves a Maildir message's mtime as its INTERNALDATE (and sets it on APPEND). A copy
     * that lost the mtimes (one before 1980) falls back to the delivery time the file name begins with.
     */
    static Instant internalDate(String fileName, Instant mtime) {
        if (mtime.getEpochSecond() >= 315_532_800L) return mtime;
        int dot = fileName.indexOf('.');
        if (dot > 0 && fileName.substring(0, dot).matches("\\d{9,11}")) return Instant.ofEpochSecond(Long.parseLong(fileName.substring(0, dot)));
        return mtime;
    }

    /**
     * The file's bytes as Dovecot serves them (it stores lines ending in LF and sends CRLF, so
     * clients that synced with it hold the CRLF form), refusing what is plainly not a mail message.
     */
    private static byte[] readMail(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > 0 && !startsWithHeaderField(bytes)) throw new IOException("not a mail message (it does not begin with a header field)");
        return crlf(bytes);
    }

    /** Every LF not already after a CR gets one; the same array when there is none to add. */
    static byte[] crlf(byte[] b) {
        int bare = 0;
        for (int i = 0; i < b.length; i++) if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) bare++;
        if (bare == 0) return b;
        byte[] out = new byte[b.length + bare];
        int o = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) out[o++] = '\r';
            out[o++] = b[i];
        }
        return out;
    }

    /** RFC 5322 section 2.2: a field name of printable characters except colon, then a colon. */
    static boolean startsWithHeaderField(byte[] b) {
        int i = 0;
        while (i < b.length && i < 1000 && b[i] >= 33 && b[i] <= 126 && b[i] != ':') i++;
        return i > 0 && i < b.length && b[i] == ':';
    }
}
