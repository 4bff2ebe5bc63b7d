package mailroom.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import mailroom.storage.StorageException;
import mailroom.storage.sql.Database;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Set;

/**
 * PostgreSQL shared by every node of a cluster, through a HikariCP pool. Each write is its own
 * transaction, committed before it returns (PostgreSQL groups concurrent commits into one WAL
 * flush itself). Concurrent writers to one account queue on its row, which every write updates
 * for the next MODSEQ; a write that loses a deadlock or a serialization check is run again.
 *
 * <p>The database may be several members under Patroni, listed in the URL with
 * {@code targetServerType=primary}: the driver connects only to the one that takes writes. When
 * that member dies or steps down, the pool's connections to it fail; they are thrown away, and work
 * that had not reached its commit is run again on the new primary for up to {@code failoverWait}.
 * A commit cut off on its way is different: it may have happened or not, so it is reported as a
 * temporary failure (the client is told to try again), never as success.
 */
final class PostgresDatabase implements Database {
    /** serialization_failure, deadlock_detected: the transaction did nothing and may simply be run again. */
    private static final Set<String> RETRYABLE = Set.of("40001", "40P01");
    /**
     * The member is going away or is not the primary: admin_shutdown, crash_shutdown, cannot_connect_now
     * (starting or recovering), read_only_sql_transaction (a demoted primary); and class 08, connection lost.
     */
    private static final Set<String> MEMBER_GONE = Set.of("57P01", "57P02", "57P03", "25006");
    private static final int ATTEMPTS = 5;
    private static final Logger log = LoggerFactory.getLogger(PostgresDatabase.class);

    private final HikariDataSource pool;
    private final PostgresMembers members;
    private final Duration failoverWait;
    /**
     * The connection of the write running on this thread. Work inside a write that reads or writes
     * again (a blob check during a delivery) joins that transaction rather than taking a second
     * connection, which under load could wait for ever on a pool that the waiting writes hold.
     */
    private final ThreadLocal<Connection> inWrite = new ThreadLocal<>();

    PostgresDatabase(String url, String user, String password, int poolSize, Duration failoverWait) {
        this.members = PostgresMembers.of(url);
        this.failoverWait = failoverWait;
        var config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("mailroom-postgres");
        // One wait for a connection is short; the failover loop below waits longer, trying again.
        config.setConnectionTimeout(Math.min(10_000, Math.max(1_000, failoverWait.toMillis())));
        config.setKeepaliveTime(30_000);
        config.setExceptionOverride(new EvictWhenMemberGone());
        // Strings are sent untyped, so a parameter compared with a citext column is compared as citext.
        config.addDataSourceProperty("stringtype", "unspecified");
        // Defaults for finding the primary quickly; the URL's own settings win.
        config.addDataSourceProperty("connectTimeout", "5");
        config.addDataSourceProperty("hostRecheckSeconds", "2");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("cannot reach a primary PostgreSQL among " + members.describe() + ": " + rootMessage(e), e);
        }
        Flyway.configure().dataSource(pool).locations("classpath:db/postgres").load().migrate();
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage();
    }

    /** The members the URL lists, for status and error messages. */
    PostgresMembers members() {
        return members;
    }

    /** Connections for LISTEN, which must stay out of the pool: a notification arrives on the connection that listens. */
    Connection dedicatedConnection() throws SQLException {
        var props = new java.util.Properties();
        props.putAll(pool.getDataSourceProperties());
        props.setProperty("user", pool.getUsername());
        props.setProperty("password", pool.getPassword());
        return java.sql.DriverManager.getConnection(pool.getJdbcUrl(), props);
    }

    /** Whether a primary answers now: a fresh connection (the driver picks the primary) asked whether it takes writes. */
    boolean primaryReachable() {
        var props = new java.util.Properties();
        props.putAll(pool.getDataSourceProperties());
        props.setProperty("user", pool.getUsername());
        props.setProperty("password", pool.getPassword());
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "2");
        try (var c = java.sql.DriverManager.getConnection(pool.getJdbcUrl(), props);
             var st = c.createStatement(); var rs = st.executeQuery("SELECT NOT pg_is_in_recovery()")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Every kind is committed alike: how durable a commit is, is the database's own setting
     * ({@code synchronous_commit}, and a synchronous standby under Patroni), which a cluster's
     * failover relies on for every write.
     */
    @Override
    public <T> T write(WriteKind kind, Work<T> work) {
        return mailroom.core.metrics.Meters.storage("write", () -> timedWrite(work));
    }

    private <T> T timedWrite(Work<T> work) {
        Connection joined = inWrite.get();
        if (joined != null) return run(joined, work);
        var failover = new FailoverClock();
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                inWrite.set(c);
                T result;
                try {
                    result = work.run(c);
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c);
                    throw e;
                } finally {
                    inWrite.remove();
                }
                commit(c);
                c.setAutoCommit(true);
                return result;
            } catch (CommitUnknown e) {
                throw new StorageException("the database went away during a commit; it may or may not have been made: " + e.getMessage(), e);
            } catch (SQLException e) {
                if (e.getSQLState() != null && RETRYABLE.contains(e.getSQLState()) && attempt < ATTEMPTS) continue;
                if (memberGone(e) && failover.waitAgain(e)) continue;
                throw new StorageException("write failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Commits, or says that the outcome is unknown. With synchronous replication a commit that returns
     * is on the standby too; one whose wait for the standby was cut short returns with a warning
     * ("might not have been replicated"), and must not count as accepted either.
     */
    private static void commit(Connection c) throws SQLException, CommitUnknown {
        try {
            c.commit();
        } catch (SQLException e) {
            if (memberGone(e)) throw new CommitUnknown(e);
            throw e;
        }
        for (var w = c.getWarnings(); w != null; w = w.getNextWarning()) {
            if (w.getMessage() != null && w.getMessage().contains("replicated")) throw new CommitUnknown(w);
        }
    }

    /** A commit whose outcome the failure hid. */
    private static final class CommitUnknown extends Exception {
        CommitUnknown(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; so is the transaction
        }
    }

    @Override
    public <T> T read(Work<T> work) {
        return mailroom.core.metrics.Meters.storage("read", () -> timedRead(work));
    }

    private <T> T timedRead(Work<T> work) {
        Connection joined = inWrite.get();
        if (joined != null) return run(joined, work);
        var failover = new FailoverClock();
        while (true) {
            try (Connection c = pool.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                if (memberGone(e) && failover.waitAgain(e)) continue;
                throw new StorageException("read failed: " + e.getMessage(), e);
            }
        }
    }

    /** Whether the failure says the member is gone or no longer primary, rather than the statement being wrong. */
    static boolean memberGone(SQLException e) {
        if (e instanceof SQLTransientConnectionException) return true; // the pool found no primary in time
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || MEMBER_GONE.contains(state));
    }

    /** How long work goes on trying while the members elect a new primary. */
    private final class FailoverClock {
        private final long deadline = System.nanoTime() + failoverWait.toNanos();
        private long pause = 100;

        /** Drops the pool's connections to the old primary and pauses; false once the wait is over. */
        boolean waitAgain(SQLException e) {
            if (System.nanoTime() > deadline) return false;
            if (pause == 100) log.warn("database unavailable ({}); waiting for a primary", e.getMessage());
            pool.getHikariPoolMXBean().softEvictConnections();
            try {
                Thread.sleep(pause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
            pause = Math.min(pause * 2, 1_000);
            return true;
        }
    }

    /** Hikari throws a connection away on class 08 itself; these tell it to do the same for a member that stepped down. */
    private static final class EvictWhenMemberGone implements SQLExceptionOverride {
        @java.lang.Override
        public SQLExceptionOverride.Override adjudicate(SQLException e) {
            return memberGone(e) ? SQLExceptionOverride.Override.MUST_EVICT : SQLExceptionOverride.Override.CONTINUE_EVICT;
        }
    }

    /** Work inside the transaction of the write around it; a failure fails that write. */
    private static <T> T run(Connection c, Work<T> work) {
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw new StorageException(e.getMessage(), e);
        }
    }

    /** Sorters on several nodes claim at once; each passes over the rows another is taking. */
    @Override
    public String skipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    @Override
    public void close() {
        pool.close();
    }
}
