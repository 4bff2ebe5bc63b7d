package mailroom.transfer.backup;

import mailroom.storage.sqlite.SqliteStorage;
import mailroom.transfer.Problem;
import mailroom.transfer.Progress;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * An online backup of an embedded node into a directory, while it runs and delivers:
 * <ol>
 * <li>every blob not yet in the backup is copied (blobs are immutable and named by their SHA-256,
 * so a blob already there is the same bytes, and a repeated backup copies only new ones);</li>
 * <li>the database is copied with VACUUM INTO, one read transaction: the snapshot;</li>
 * <li>the blobs the snapshot refers to that are still missing are copied. Each was durable before
 * its row was committed, so it existed when the snapshot began; blobs are deleted only a grace
 * period after they lost their last reference, so it is still there now;</li>
 * <li>only then does the snapshot replace the previous one, so the backup's database never
 * names a blob the backup lacks, even when a backup is killed half-way.</li>
 * </ol>
 * The TLS material is copied too, so a restored node presents the same certificate.
 */
public final class Backup {
    public static final String DATABASE = "mailroom.db";

    private Backup() {}

    public static void run(SqliteStorage storage, Path target, Progress progress) throws IOException {
        Path data = storage.dataDir();
        Files.createDirectories(target.resolve("blobs"));
        Path tmp = Files.createDirectories(target.resolve("tmp"));
        copyMissingBlobs(data.resolve("blobs"), target.resolve("blobs"), tmp, progress);

        Path fresh = target.resolve(DATABASE + ".new");
        Files.deleteIfExists(fresh);
        storage.snapshot(fresh);
        for (String blob : referencedBlobs(fresh)) {
            Path relative = Path.of(blob.substring(0, 2), blob.substring(2, 4), blob);
            if (Files.exists(target.resolve("blobs").resolve(relative))) continue;
            try {
                copyAtomically(data.resolve("blobs").resolve(relative), target.resolve("blobs").resolve(relative), tmp);
                progress.copied(Files.size(target.resolve("blobs").resolve(relative)));
            } catch (NoSuchFileException e) {
                progress.failed(new Problem(null, "blob " + blob, "gone from the data directory before it could be copied"));
            }
        }
        sync(fresh);
        Files.move(fresh, target.resolve(DATABASE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        copyTree(data.resolve("tls"), target.resolve("tls"));
        syncDirectory(target);
    }

    private static void copyMissingBlobs(Path from, Path to, Path tmp, Progress progress) throws IOException {
        if (!Files.isDirectory(from)) return;
        List<Path> files = new ArrayList<>();
        try (var walk = Files.walk(from)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        progress.expect(files.size());
        for (Path file : files) {
            Path target = to.resolve(from.relativize(file));
            if (Files.exists(target)) {
                progress.skipped(1);
                continue;
            }
            try {
                copyAtomically(file, target, tmp);
                progress.copied(Files.size(target));
            } catch (NoSuchFileException e) {
                progress.skipped(1); // collected meanwhile: no longer referenced by anything
            }
        }
    }

    /** The blobs the snapshot's messages and queue refer to. */
    private static List<String> referencedBlobs(Path database) throws IOException {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + database.toAbsolutePath());
             var rs = c.createStatement().executeQuery("SELECT blob_id FROM messages UNION SELECT blob_id FROM queue")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) out.add(rs.getString(1));
            return out;
        } catch (SQLException e) {
            throw new IOException("cannot read the snapshot: " + e.getMessage(), e);
        }
    }

    /** Copies through a temporary file and renames, so a killed copy never leaves a partial file under a blob's name. */
    static void copyAtomically(Path from, Path to, Path tmp) throws IOException {
        Files.createDirectories(to.getParent());
        Path part = tmp.resolve(to.getFileName() + "." + ProcessHandle.current().pid() + ".part");
        Files.copy(from, part, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        sync(part);
        Files.move(part, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) return;
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    static void sync(Path file) throws IOException {
        try (var ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (var ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
