package mailroom.transfer.backup;

import mailroom.transfer.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Fills an empty data directory from a backup: the database snapshot, the blobs and the TLS material. */
public final class Restore {
    private Restore() {}

    public static void run(Path backup, Path dataDir, Progress progress) throws IOException {
        if (!Files.isRegularFile(backup.resolve(Backup.DATABASE))) throw new IllegalArgumentException(backup + " holds no backup (no " + Backup.DATABASE + ")");
        if (Files.isDirectory(dataDir)) {
            try (var entries = Files.list(dataDir)) {
                if (entries.findAny().isPresent()) throw new IllegalArgumentException("the data directory " + dataDir + " is not empty; restore only into an empty one");
            }
        }
        Files.createDirectories(dataDir);
        Path tmp = Files.createDirectories(dataDir.resolve("tmp"));
        List<Path> blobs = new ArrayList<>();
        Path from = backup.resolve("blobs");
        if (Files.isDirectory(from)) {
            try (var walk = Files.walk(from)) {
                walk.filter(Files::isRegularFile).forEach(blobs::add);
            }
        }
        progress.expect(blobs.size());
        for (Path blob : blobs) {
            Path to = dataDir.resolve("blobs").resolve(from.relativize(blob).toString());
            Backup.copyAtomically(blob, to, tmp);
            progress.copied(Files.size(to));
        }
        Backup.copyTree(backup.resolve("tls"), dataDir.resolve("tls"));
        // The database last: a data directory with a database is a restored one.
        Backup.copyAtomically(backup.resolve(Backup.DATABASE), dataDir.resolve(Backup.DATABASE), tmp);
        Backup.syncDirectory(dataDir);
    }
}
