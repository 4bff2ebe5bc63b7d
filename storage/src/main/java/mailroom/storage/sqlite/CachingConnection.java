package mailroom.storage.sqlite;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.DB;
import org.sqlite.jdbc4.JDBC4Connection;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A connection that keeps its prepared statements for the next use of the same SQL. sqlite-jdbc
 * compiles every {@code prepareStatement} afresh, and SQLite's compile (parsing and planning) cost
 * as much as running the query: a profile of LIST had 22% of the node's samples in {@code
 * sqlite3_prepare} (bench/compare-notes.md). The storage code keeps its plain JDBC shape, {@code
 * try (var st = c.prepareStatement(sql))}: the statement handed out is the cached one, and its
 * {@code close()} resets it (ending its read of the database, as closing a result set does)
 * instead of finalizing it.
 *
 * <p>The driver's own connection and statement classes, extended, rather than wrappers: a
 * reflection proxy cost a {@code Method.invoke} with its arguments boxed on every call, and its
 * classes were generated at each start (a tenth of a node's start on the main thread).
 *
 * <p>A connection is used by one thread at a time (a reader borrowed from the pool, or the writer),
 * so the cache needs no lock. The same SQL asked for again while its statement is still open (a
 * query inside a loop over its own results) gets a statement of its own, closed as usual. The least
 * recently used statements beyond {@link #CAPACITY} are finalized: SQL built for a number of
 * parameters (IN lists) would otherwise grow the cache without bound.
 */
final class CachingConnection extends JDBC4Connection {
    static final int CAPACITY = 128;

    private final Map<String, ReusableStatement> statements = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ReusableStatement> eldest) {
            if (size() <= CAPACITY) return false;
            eldest.getValue().evict();
            return true;
        }
    };

    private CachingConnection(Path file, SQLiteConfig config) throws SQLException {
        super("jdbc:sqlite:" + file, file.toString(), config.toProperties());
    }

    /** A connection to the database in {@code file}, with {@code config}'s settings. */
    static CachingConnection open(Path file, SQLiteConfig config) throws SQLException {
        return new CachingConnection(file.toAbsolutePath(), config);
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        ReusableStatement cached = statements.get(sql);
        if (cached != null && cached.inUse) return super.prepareStatement(sql); // nested use: one of its own
        if (cached == null) {
            cached = new ReusableStatement(this, sql);
            statements.put(sql, cached);
        }
        cached.inUse = true;
        return cached;
    }

    @Override
    public void close() throws SQLException {
        for (ReusableStatement s : statements.values()) s.evict();
        statements.clear();
        super.close();
    }

    /** A cached statement: its close() hands it back to the cache. */
    private static final class ReusableStatement extends JDBC4PreparedStatement {
        boolean inUse;
        boolean evicted;

        ReusableStatement(SQLiteConnection connection, String sql) throws SQLException {
            super(connection, sql);
        }

        @Override
        public void close() throws SQLException {
            if (!inUse) return;
            inUse = false;
            if (evicted) {
                super.close();
                return;
            }
            // sqlite3_reset ends the statement's read, so the connection holds no snapshot between uses.
            pointer.safeRunInt(DB::reset);
            clearParameters();
        }

        /** Closed as its user sees it: handed back (or finalized). */
        @Override
        public boolean isClosed() {
            return !inUse || super.isClosed();
        }

        /** Leaves the cache: finalized now, or when the user still holding it closes it. */
        void evict() {
            evicted = true;
            if (inUse) return;
            try {
                super.close();
            } catch (SQLException ignored) {
                // the connection is closing or the statement is gone with it
            }
        }
    }
}
