package mailroom.storage.sqlite;

import mailroom.core.event.EventBus;
import mailroom.storage.BlobStore;
import mailroom.storage.Directory;
import mailroom.storage.MailStore;
import mailroom.storage.Queue;
import mailroom.storage.SieveScripts;
import mailroom.storage.Storage;
import mailroom.storage.StorageException;
import mailroom.storage.file.FileBlobStore;
import mailroom.storage.sql.SqlDirectory;
import mailroom.storage.sql.SqlMailStore;
import mailroom.storage.sql.SqlQueue;
import mailroom.storage.sql.SqlSieveScripts;
import mailroom.storage.sql.SqlIdentities;
import mailroom.storage.Identities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded backend: {@code mailroom.db} (SQLite, WAL) for the directory, mail index and queue,
 * and {@code blobs/} for message bytes, all under one data directory.
 */
public final class SqliteStorage implements Storage {
    private final SqliteDatabase db;
    private final EventBus events = new EventBus();
    private final SqlMailStore mail;
    private final FileBlobStore blobs;
    private final SqlDirectory directory;
    private final SqlQueue queue;
    private final SqlSieveScripts sieve;
    private final mailroom.storage.sql.SqlSharing sharing;
    private final SqlIdentities identities;
    private final mailroom.storage.sql.SqlLoginFailures loginFailures;

    private final Path dataDir;

    private SqliteStorage(Path dataDir, boolean fsync) throws IOException {
        Files.createDirectories(dataDir);
        this.dataDir = dataDir;
        this.db = new SqliteDatabase(dataDir.resolve("mailroom.db"), fsync);
        this.blobs = new FileBlobStore(dataDir, fsync);
        this.mail = new SqlMailStore(db, blobs, events, new SqliteTextIndex());
        this.directory = new SqlDirectory(db);
        this.queue = new SqlQueue(db);
        this.sieve = new SqlSieveScripts(db);
        this.sharing = new mailroom.storage.sql.SqlSharing(db, events);
        this.identities = new SqlIdentities(db);
        this.loginFailures = new mailroom.storage.sql.SqlLoginFailures(db);
    }

    /**
     * Does ahead of {@link #open} the part of it that needs no data directory and is slow the first
     * time in a process: sqlite-jdbc's first configuration builds its date formats from regular
     * expressions, tens of milliseconds of cold code. A node calls it on a second thread while its
     * main thread reads the configuration.
     */
    public static void prepare() {
        new org.sqlite.SQLiteConfig();
    }

    public static SqliteStorage open(Path dataDir, boolean fsync) {
        try {
            return new SqliteStorage(dataDir, fsync);
        } catch (IOException e) {
            throw new StorageException("cannot open the data directory " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** The data directory: {@code mailroom.db} and {@code blobs/}. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Writes a consistent copy of the database to {@code file} (which must not exist) with SQLite's
     * VACUUM INTO: one read transaction, so writers go on meanwhile and the copy holds exactly the
     * transactions committed before it began.
     */
    public void snapshot(Path file) {
        db.read(c -> {
            try (var st = c.prepareStatement("VACUUM INTO ?")) {
                st.setString(1, file.toAbsolutePath().toString());
                st.execute();
            }
            return null;
        });
    }

    @Override
    public MailStore mail() {
        return mail;
    }

    @Override
    public BlobStore blobs() {
        return blobs;
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public Queue queue() {
        return queue;
    }

    @Override
    public SieveScripts sieve() {
        return sieve;
    }

    @Override
    public mailroom.storage.sharing.Sharing sharing() {
        return sharing;
    }

    @Override
    public Identities identities() {
        return identities;
    }

    @Override
    public mailroom.core.security.LoginFailures loginFailures() {
        return loginFailures;
    }

    @Override
    public EventBus events() {
        return events;
    }

    /** An embedded database belongs to one node, which therefore always leads. */
    @Override
    public LeaderLock leaderLock() {
        return new LeaderLock() {
            @Override
            public boolean held() {
                return true;
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {
        db.close();
    }
}
