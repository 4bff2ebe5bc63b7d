package mailroom.storage.sqlite;

import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * sqlite-jdbc's native library, kept in the data directory. Left to itself the driver runs
 * {@code uname} to learn the platform, then copies the library out of the jar into the temporary
 * directory at every start, compares the copy byte for byte and loads it: about a tenth of a second
 * of each start. Here the first start copies it once to {@code lib/} of the data directory, under a
 * name with the driver's version and the architecture, and every later start points the driver at
 * that file ({@code org.sqlite.lib.path}), which it loads without looking further. When anything
 * here fails, or the file cannot be loaded (a data directory mounted noexec), the driver goes its
 * own way as before, so this can only make a start faster.
 */
final class SqliteNativeLibrary {
    private SqliteNativeLibrary() {}

    /** Points the driver at the library in {@code dataDir}/lib, copying it there first if needed; before the first connection. */
    static void keepIn(Path dataDir) {
        if (System.getProperty("org.sqlite.lib.path") != null) return; // set by the operator, or by an earlier database of this JVM
        if (!System.getProperty("os.name", "").startsWith("Linux")) return; // other systems: the driver's own way
        try {
            Path dir = dataDir.resolve("lib");
            String name = "libsqlitejdbc-" + SQLiteJDBCLoader.getVersion() + "-" + System.getProperty("os.arch") + ".so";
            Path library = dir.resolve(name);
            if (!Files.isRegularFile(library)) copyOut(dir, library);
            System.setProperty("org.sqlite.lib.path", dir.toString());
            System.setProperty("org.sqlite.lib.name", name);
        } catch (IOException | RuntimeException e) {
            // a read-only data directory, a platform the jar has no library for: the driver copes
        }
    }

    /** Copies the jar's library for this platform to {@code library}: whole, or not at all. */
    private static void copyOut(Path dir, Path library) throws IOException {
        String resource = "/org/sqlite/native/" + OSInfo.getNativeLibFolderPathForCurrentOS() + "/libsqlitejdbc.so";
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("no " + resource + " in the driver");
            Files.createDirectories(dir);
            Path partial = Files.createTempFile(dir, "copying-", ".so");
            try {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                // Another process of this data directory (a CLI command) may copy it at the same time: same bytes.
                Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }
}
