package mailroom.storage.sqlite;

import org.sqlite.core.CoreStatement;
import org.sqlite.core.DB;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps a connection's prepared statements for the next use of the same SQL. sqlite-jdbc compiles
 * every {@code prepareStatement} afresh, and SQLite's compile (parsing and planning) cost as much as
 * running the query: a profile of LIST had 22% of the node's samples in {@code sqlite3_prepare}
 * (bench/compare-notes.md). The storage code keeps its plain JDBC shape, {@code try (var st =
 * c.prepareStatement(sql))}: the statement handed out is the cached one, and its {@code close()}
 * resets it (ending its read of the database, as closing a result set does) instead of finalizing it.
 *
 * <p>A connection is used by one thread at a time (a reader borrowed from the pool, or the writer),
 * so the cache needs no lock. The same SQL asked for again while its statement is still open (a
 * query inside a loop over its own results) gets a statement of its own, closed as usual. The least
 * recently used statements beyond {@link #CAPACITY} are finalized: SQL built for a number of
 * parameters (IN lists) would otherwise grow the cache without bound.
 */
final class StatementCache implements InvocationHandler {
    static final int CAPACITY = 128;

    private final Connection connection;
    private final Map<String, Cached> statements = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            if (size() <= CAPACITY) return false;
            eldest.getValue().evict();
            return true;
        }
    };

    private StatementCache(Connection connection) {
        this.connection = connection;
    }

    /** {@code connection}, with its {@code prepareStatement(String)} served from a cache. */
    static Connection around(Connection connection) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                new StatementCache(connection));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("prepareStatement") && args.length == 1) return prepare((String) args[0]);
        if (method.getName().equals("close") && args == null) {
            for (Cached c : statements.values()) c.evict();
            statements.clear();
        }
        return forward(connection, method, args);
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        Cached cached = statements.get(sql);
        if (cached != null && cached.inUse) return connection.prepareStatement(sql); // nested use: one of its own
        if (cached == null) {
            cached = new Cached(connection.prepareStatement(sql));
            statements.put(sql, cached);
        }
        cached.inUse = true;
        return cached.handle;
    }

    private static Object forward(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** One cached statement, and the handle given out for it, whose close() hands it back. */
    private static final class Cached implements InvocationHandler {
        final PreparedStatement statement;
        final PreparedStatement handle;
        boolean inUse;
        boolean evicted;

        Cached(PreparedStatement statement) {
            this.statement = statement;
            this.handle = (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                    new Class<?>[]{PreparedStatement.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            return switch (method.getName()) {
                case "close" -> {
                    giveBack();
                    yield null;
                }
                case "isClosed" -> !inUse;
                default -> forward(statement, method, args);
            };
        }

        private void giveBack() throws SQLException {
            if (!inUse) return;
            inUse = false;
            if (evicted) {
                statement.close();
                return;
            }
            // sqlite3_reset ends the statement's read, so the connection holds no snapshot between uses.
            ((CoreStatement) statement).pointer.safeRunInt(DB::reset);
            statement.clearParameters();
        }

        /** Leaves the cache: finalized now, or when the user still holding it closes it. */
        void evict() {
            evicted = true;
            if (inUse) return;
            try {
                statement.close();
            } catch (SQLException ignored) {
                // the connection is closing or the statement is gone with it
            }
        }
    }
}
