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
import java.sql.Savepoint;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * PostgreSQL shared by every node of a cluster, through a HikariCP pool. Concurrent writers to one
 * account queue on its row, which every write updates for the next MODSEQ; a write that loses a
 * deadlock or a serialization check is run again.
 *
 * <p><b>Group commit.</b> With a synchronous standby a commit waits for the standby's answer as
 * well as for the WAL flush, and a delivery is several writes (the blob, the queue entry, its
 * claim, the filing, the outcome): under load most sessions wait for their commits, and writes to
 * one account wait on its row until the commit before theirs is done. So writes that find others
 * waiting are run together by one of a few committer threads, as the SQLite writer does: one
 * transaction, each write in its own savepoint, one commit for all. A committer runs a write that
 * came alone too, since only while the committers are busy do the next writes gather into groups;
 * so a node has at most as many write transactions open at once as it has committers.
 *
 * <p>A group holds the row locks of all its writes until it commits, so two groups could wait for
 * each other. Inside a group a write waits for a lock only briefly ({@link #LOCK_WAIT_IN_GROUP});
 * one that runs out of that wait, or loses a deadlock or a serialization check, is rolled back to
 * its savepoint and run again on its own once the group has committed.
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
    private static final int ATTEMPTS = 8;
    /** lock_not_available (lock_timeout ran out) and in_failed_sql_transaction: a write that failed this way in a group runs again alone. */
    private static final Set<String> RUN_AGAIN_ALONE = Set.of("55P03", "25P02");
    /**
     * At most this many writes share a commit. Each savepoint that writes takes a subtransaction id,
     * and PostgreSQL keeps 64 of them per session in shared memory before other sessions' snapshots
     * must look them up on disk; 32 leaves room for savepoints the writes make themselves.
     */
    private static final int MAX_GROUP = 32;
    /** How long a write inside a group waits for a row lock before it steps out to run alone (another group may be waiting for ours). */
    private static final Duration LOCK_WAIT_IN_GROUP = Duration.ofMillis(250);
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
    /** Writes waiting for a committer. */
    private final BlockingQueue<Pending<?>> waiting = new LinkedBlockingQueue<>();
    private final List<Thread> committers = new ArrayList<>();

    /** A write handed to the committers, and where its caller waits for the outcome. */
    private record Pending<T>(Work<T> work, CompletableFuture<T> result) {}

    /** Tells a waiting caller to run its write in a transaction of its own: it could not finish inside a group, or the group was lost before its commit. */
    private static final class RunAlone extends RuntimeException {
        RunAlone() {
            super("run alone", null, false, false);
        }
    }

    private static final RunAlone RUN_ALONE = new RunAlone();
    private volatile boolean closed;

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
        // A quarter of the pool: enough groups in flight to overlap one's commit with the next one's
        // statements, while reads and writes that run alone keep most of the connections.
        for (int i = 0; i < Math.max(1, poolSize / 4); i++) {
            committers.add(Thread.ofPlatform().name("postgres-committer-" + i).daemon().start(this::commitLoop));
        }
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
        return mailroom.core.metrics.Meters.storage("write", () -> grouped(work));
    }

    /** Hands the write to the committers and waits: it is run in a group, or handed back to be run alone. */
    private <T> T grouped(Work<T> work) {
        Connection joined = inWrite.get();
        if (joined != null) return run(joined, work);
        if (closed) return writeAlone(work); // fails at the closed pool, as it should
        var pending = new Pending<>(work, new CompletableFuture<T>());
        waiting.add(pending);
        if (closed && waiting.remove(pending)) return writeAlone(work); // closed meanwhile: no committer will take it
        try {
            return pending.result().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RunAlone) return writeAlone(work);
            if (e.getCause() instanceof RuntimeException failure) throw failure;
            throw new StorageException("write failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while writing", e);
        }
    }

    /** One write in a transaction of its own, run again after a deadlock or while a failover lasts. */
    private <T> T writeAlone(Work<T> work) {
        var failover = new FailoverClock();
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                T result = inTransaction(c, work);
                commit(c);
                return result;
            } catch (CommitUnknown e) {
                throw commitUnknown(e);
            } catch (SQLException e) {
                if (e.getSQLState() != null && RETRYABLE.contains(e.getSQLState()) && attempt < ATTEMPTS) {
                    pauseBeforeRetry(attempt);
                    continue;
                }
                if (memberGone(e) && failover.waitAgain(e)) continue;
                throw new StorageException("write failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * A random pause, longer at each attempt, before a write that lost a deadlock or a serialization
     * check runs again: run again at once, the same writes meet in the same order and lose again
     * (writes that stepped out of groups for each other's rows all rerun at the same moment).
     */
    private static void pauseBeforeRetry(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 20L << Math.min(attempt, 5)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while writing", e);
        }
    }

    /** Runs work in a transaction on c as this thread's write (so work inside it joins); rolled back if it throws, left open for the commit otherwise. */
    private <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        inWrite.set(c);
        try {
            return work.run(c);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            inWrite.remove();
        }
    }

    private void commitLoop() {
        List<Pending<?>> group = new ArrayList<>(MAX_GROUP);
        while (true) {
            try {
                group.add(waiting.take());
            } catch (InterruptedException e) {
                return; // closing
            }
            waiting.drainTo(group, MAX_GROUP - 1);
            try {
                commitGroup(group);
            } catch (Error e) { // a write broke more than its transaction: its writers must not wait for ever
                log.error("a group of {} writes failed", group.size(), e);
                group.forEach(p -> p.result().completeExceptionally(e));
            }
            group.clear();
        }
    }

    /**
     * One transaction for the whole group, each write in a savepoint; its writers hear their outcomes
     * once it has committed. If the transaction itself is lost before its commit (the member went
     * away), nothing of it was made, and every write of it runs again alone, where it waits out a
     * failover as any write does.
     */
    private void commitGroup(List<Pending<?>> group) {
        List<Runnable> outcomes = new ArrayList<>(group.size());
        try (Connection c = pool.getConnection()) {
            inTransaction(c, transaction -> {
                try (var st = transaction.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = " + LOCK_WAIT_IN_GROUP.toMillis());
                }
                for (Pending<?> p : group) outcomes.add(runInSavepoint(transaction, p));
                return null;
            });
            commit(c);
        } catch (CommitUnknown e) {
            var failure = commitUnknown(e);
            group.forEach(p -> p.result().completeExceptionally(failure));
            return;
        } catch (SQLException | RuntimeException e) {
            group.forEach(p -> p.result().completeExceptionally(RUN_ALONE));
            return;
        }
        mailroom.core.metrics.Meters.storageGroupCommit(group.size());
        outcomes.forEach(Runnable::run);
    }

    /**
     * Runs one write of a group; returns how to tell its writer the outcome. A failure of the write's
     * own is rolled back to its savepoint and is that write's alone; a failure that means the
     * connection is gone is thrown, as the whole group is lost.
     */
    private static <T> Runnable runInSavepoint(Connection c, Pending<T> p) throws SQLException {
        Savepoint unit = c.setSavepoint();
        try {
            T value = p.work().run(c);
            c.releaseSavepoint(unit);
            return () -> p.result().complete(value);
        } catch (SQLException | RuntimeException e) {
            SQLException sql = sqlCause(e);
            if (sql != null && memberGone(sql)) throw sql;
            c.rollback(unit);
            c.releaseSavepoint(unit);
            String state = sql == null ? null : sql.getSQLState();
            if (state != null && (RETRYABLE.contains(state) || RUN_AGAIN_ALONE.contains(state))) {
                return () -> p.result().completeExceptionally(RUN_ALONE);
            }
            RuntimeException failure = e instanceof SQLException s ? new StorageException("write failed: " + s.getMessage(), s) : (RuntimeException) e;
            return () -> p.result().completeExceptionally(failure);
        }
    }

    /** The SQL failure behind an exception, if there is one (work inside a write wraps those of the reads and writes it joins). */
    private static SQLException sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof SQLException sql) return sql;
        return null;
    }

    private static StorageException commitUnknown(CommitUnknown e) {
        return new StorageException("the database went away during a commit; it may or may not have been made: " + e.getMessage(), e);
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
        closed = true;
        committers.forEach(Thread::interrupt);
        for (Thread committer : committers) {
            try {
                committer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Pending<?> p; (p = waiting.poll()) != null; ) p.result().completeExceptionally(RUN_ALONE); // to fail at the closed pool
        pool.close();
    }
}
