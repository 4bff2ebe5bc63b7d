package mailroom.storage.postgres;

import mailroom.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Leadership as a PostgreSQL session-level advisory lock, held on a connection of its own: when the
 * leading node dies, its connection closes, PostgreSQL releases the lock, and the next contender's
 * try succeeds. A contender that loses its connection has lost the lock with it.
 */
final class AdvisoryLeaderLock implements Storage.LeaderLock {
    /** The lock's key: "MAILROOM" read as a number, to keep clear of other users of advisory locks. */
    private static final long KEY = 0x4D41494C524F4FL;
    private static final Logger log = LoggerFactory.getLogger(AdvisoryLeaderLock.class);

    private final PostgresDatabase db;
    private Connection connection;
    private boolean held;

    AdvisoryLeaderLock(PostgresDatabase db) {
        this.db = db;
    }

    @Override
    public synchronized boolean held() {
        try {
            if (connection == null || !connection.isValid(2)) {
                closeConnection();
                connection = db.dedicatedConnection();
                held = false;
            }
            if (!held) {
                try (var st = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    st.setLong(1, KEY);
                    try (var rs = st.executeQuery()) {
                        held = rs.next() && rs.getBoolean(1);
                    }
                }
            }
            return held;
        } catch (SQLException e) {
            log.warn("leadership check failed: {}", e.getMessage());
            closeConnection();
            return false;
        }
    }

    private void closeConnection() {
        held = false;
        if (connection == null) return;
        try {
            connection.close(); // releases the lock if we held it
        } catch (SQLException ignored) {
            // gone already
        }
        connection = null;
    }

    /**
     * Steps down: the lock is released by statement before the connection closes, so the next
     * contender's try succeeds at once. (A closed connection alone frees it only once its server
     * process has ended, a moment later; that is what happens when a node dies.)
     */
    @Override
    public synchronized void close() {
        if (held && connection != null) {
            try (var st = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                st.setLong(1, KEY);
                st.execute();
            } catch (SQLException e) {
                log.debug("releasing leadership: {}", e.getMessage()); // the close below frees it anyway
            }
        }
        closeConnection();
    }
}
