package mailroom.storage.sqlite;

import mailroom.storage.StorageException;
import mailroom.storage.sql.Database;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One SQLite database in WAL mode: a pool of reader connections, and a single writer thread that
 * commits writes in groups. SQLite allows one writer at a time, and a durable commit costs an fsync
 * of the WAL; by running every write that is waiting in one transaction (each in its own savepoint)
 * concurrent deliveries share that fsync instead of queueing for one each.
 *
 * <p>With fsync on, a group that holds only {@link WriteKind#METADATA} writes (flags, \Recent
 * claims, subscriptions) commits with {@code synchronous = NORMAL}: in WAL mode the commit is
 * written to the log, and so in the operating system's hands, before the writers are answered, but
 * not fsynced. It survives a crash or SIGKILL of the process; the next group holding any other
 * write commits with {@code synchronous = FULL}, whose fsync of the log makes every commit before
 * it durable too, because the log is written in commit order. (A checkpoint fsyncs the log first as
 * well.) The flag changes of busy IMAP sessions then no longer wait for a disk flush each.
 */
final class SqliteDatabase implements Database {
    private static final Logger log = LoggerFactory.getLogger(SqliteDatabase.class);
    private static final int MAX_GROUP = 256;
    private static final int READERS = 8;

    private record Pending<T>(WriteKind kind, Work<T> work, CompletableFuture<T> result) {}

    /** SQLite's {@code PRAGMA synchronous} levels that the writer uses (https://sqlite.org/pragma.html#pragma_synchronous). */
    enum Synchronous { OFF, NORMAL, FULL }

    private final Pending<Void> stop = new Pending<>(WriteKind.DATA, c -> null, new CompletableFuture<>());

    private final BlockingQueue<Pending<?>> writes = new LinkedBlockingQueue<>();
    /**
     * The reader connections, used last in, first out. A commit empties the page cache of every
     * other connection at its next read (SQLite cannot tell which pages changed), so under IMAP
     * load a reader taken in turn from a queue nearly always started cold; the one used a moment
     * ago has usually seen no commit since, and finds its pages still there.
     */
    private final BlockingDeque<Connection> readers = new LinkedBlockingDeque<>(READERS);
    private final Connection writer;
    private final Thread writerThread;
    private final boolean fsync;
    /** The writer connection's synchronous level now; only the writer thread reads or sets it. */
    private Synchronous synchronous;

    /** The newest migration under db/sqlite (a test keeps the two in step). */
    static final String SCHEMA_VERSION = "20";

    /**
     * True when Flyway's history already ends at {@link #SCHEMA_VERSION}: then Flyway, whose scan and
     * checks are a noticeable part of starting a node, has nothing to do and is not loaded.
     */
    private static boolean schemaIsCurrent(SQLiteDataSource dataSource) {
        try (Connection c = dataSource.getConnection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
            return rs.next() && SCHEMA_VERSION.equals(rs.getString(1)) && rs.getBoolean(2);
        } catch (SQLException e) {
            return false; // a new database: no history table yet
        }
    }

    SqliteDatabase(Path file, boolean fsync) {
        this.fsync = fsync;
        this.synchronous = fsync ? Synchronous.FULL : Synchronous.OFF;
        SqliteNativeLibrary.keepIn(file.toAbsolutePath().getParent());
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        var config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: the WAL is fsynced at every commit, so a committed row survives power loss. (The
        // writer lowers it to NORMAL for groups of metadata only: see commitGroup.)
        config.setSynchronous(fsync ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.OFF);
        config.setBusyTimeout(30_000);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.enforceForeignKeys(true);
        // Statement journals and sorts in memory: on disk each one was a file created and removed in /var/tmp.
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        var dataSource = new SQLiteDataSource(config);
        dataSource.setUrl(url);
        if (!schemaIsCurrent(dataSource)) Flyway.configure().dataSource(dataSource).locations("classpath:db/sqlite").load().migrate();
        try {
            // Autocommit stays on: the writer issues BEGIN IMMEDIATE itself, per group. (With autocommit
            // off the driver would open the next transaction at once and hold the write lock between
            // groups, locking out the command-line tools.)
            writer = CachingConnection.open(file, config);
            for (int i = 0; i < READERS; i++) readers.add(CachingConnection.open(file, config));
        } catch (SQLException e) {
            throw new StorageException("cannot open " + file, e);
        }
        writerThread = Thread.ofPlatform().name("sqlite-writer").daemon().start(this::writeLoop);
    }

    /** Runs {@code work} in the writer's next transaction and returns once that transaction is durable. */
    @Override
    public <T> T write(WriteKind kind, Work<T> work) {
        return mailroom.core.metrics.Meters.storage("write", () -> timedWrite(kind, work));
    }

    private <T> T timedWrite(WriteKind kind, Work<T> work) {
        var pending = new Pending<>(kind, work, new CompletableFuture<T>());
        writes.add(pending);
        try {
            return pending.result().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException se) throw se;
            throw new StorageException("write failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while writing", e);
        }
    }

    /** Writes queued for the writer's next group (for tests that arrange a group). */
    int waiting() {
        return writes.size();
    }

    @Override
    public <T> T read(Work<T> work) {
        return mailroom.core.metrics.Meters.storage("read", () -> timedRead(work));
    }

    private <T> T timedRead(Work<T> work) {
        Connection c;
        try {
            c = readers.takeFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while reading", e);
        }
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw new StorageException("read failed: " + e.getMessage(), e);
        } finally {
            readers.addFirst(c);
        }
    }

    private void writeLoop() {
        List<Pending<?>> group = new ArrayList<>(MAX_GROUP);
        while (true) {
            try {
                group.add(writes.take());
            } catch (InterruptedException e) {
                return;
            }
            writes.drainTo(group, MAX_GROUP - 1);
            boolean stopping = group.remove(stop);
            if (!group.isEmpty()) commitGroup(group);
            group.clear();
            if (stopping) {
                stop.result().complete(null);
                return;
            }
        }
    }

    /**
     * The level a group commits at: the strictest that one of its writes asks for. A group of
     * metadata alone commits without its own fsync; one write of anything else makes it FULL.
     */
    private Synchronous synchronousFor(List<Pending<?>> group) {
        if (!fsync) return Synchronous.OFF;
        for (Pending<?> p : group) if (p.kind() != WriteKind.METADATA) return Synchronous.FULL;
        return Synchronous.NORMAL;
    }

    /** One transaction for the whole group; a failing unit is rolled back to its savepoint alone. */
    private void commitGroup(List<Pending<?>> group) {
        List<Runnable> completions = new ArrayList<>(group.size());
        try {
            Synchronous level = synchronousFor(group);
            if (level != synchronous) { // outside a transaction: SQLite takes the setting at the next commit
                execute("PRAGMA synchronous = " + level);
                synchronous = level;
            }
            mailroom.core.metrics.Meters.storageCommit(level.name().toLowerCase(java.util.Locale.ROOT));
            execute("BEGIN IMMEDIATE");
            for (Pending<?> p : group) completions.add(runInSavepoint(p));
            execute("COMMIT");
            completions.forEach(Runnable::run);
        } catch (SQLException e) {
            log.error("commit failed for {} writes", group.size(), e);
            try {
                execute("ROLLBACK");
            } catch (SQLException ignored) {
                // no transaction left to roll back
            }
            var failure = new StorageException("commit failed: " + e.getMessage(), e);
            for (Pending<?> p : group) p.result().completeExceptionally(failure);
        }
    }

    private void execute(String sql) throws SQLException {
        try (var st = writer.createStatement()) {
            st.execute(sql);
        }
    }

    private <T> Runnable runInSavepoint(Pending<T> p) throws SQLException {
        execute("SAVEPOINT unit");
        try {
            T value = p.work().run(writer);
            execute("RELEASE unit");
            return () -> p.result().complete(value);
        } catch (SQLException | RuntimeException e) {
            execute("ROLLBACK TO unit");
            execute("RELEASE unit");
            return () -> p.result().completeExceptionally(e instanceof StorageException ? e : new StorageException(e.getMessage(), e));
        }
    }

    /** Writes run one at a time on the writer thread, so a claim needs no row locks. */
    @Override
    public String skipLocked() {
        return "";
    }

    @Override
    public void close() {
        writes.add(stop);
        try {
            stop.result().get();
            writerThread.join();
        } catch (InterruptedException | ExecutionException e) {
            Thread.currentThread().interrupt();
        }
        try {
            writer.close();
            for (Connection c : readers) c.close();
        } catch (SQLException e) {
            log.warn("closing the database: {}", e.getMessage());
        }
    }
}
