package mailroom.storage.sql;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A SQL database that the stores of this package run their statements on: SQLite, where one
 * writer thread commits waiting writes in groups, or PostgreSQL, where a pool of connections
 * writes at once. The statements are the same; where the two must differ, this says how.
 */
public interface Database extends AutoCloseable {
    /** A unit of SQL work; a write runs inside one transaction and is undone whole if it throws. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * What a write changes, named where the write is made (never guessed from its SQL): it decides
     * what the commit must survive when the node runs with {@code fsync = true} (README, "Durability").
     */
    enum WriteKind {
        /**
         * Mail and everything else: delivery, APPEND, import, COPY and MOVE, EXPUNGE, mailboxes,
         * accounts, the queue. Acknowledged only once the commit survives a power loss.
         */
        DATA,
        /**
         * State a client sets on mail it already has: flags and keywords (\Seen among them), the claim
         * of \Recent, subscriptions. Acknowledged once the commit is in the operating system's hands:
         * it survives a crash or SIGKILL of the node, and a power loss once a later DATA commit (or a
         * checkpoint) has flushed the log behind it. Dovecot makes the same promise for flag changes
         * with its default fsync_mode=optimized, and a client that loses one re-sends it.
         */
        METADATA
    }

    /** Runs {@code work} in a transaction and returns once that transaction is durable (a {@link WriteKind#DATA} write). */
    default <T> T write(Work<T> work) {
        return write(WriteKind.DATA, work);
    }

    /** Runs {@code work} in a transaction and returns once that transaction is as durable as {@code kind} asks. */
    <T> T write(WriteKind kind, Work<T> work);

    <T> T read(Work<T> work);

    /**
     * What a query picking due queue entries ends with so that concurrent claimers pass over each
     * other's rows: nothing where writes run one at a time, " FOR UPDATE SKIP LOCKED" where they do not.
     */
    String skipLocked();

    @Override
    void close();

    /** A unique key refused the row: SQLSTATE 23505 on PostgreSQL, a UNIQUE constraint error on SQLite. */
    static boolean isDuplicate(SQLException e) {
        return "23505".equals(e.getSQLState()) || (e.getMessage() != null && e.getMessage().contains("UNIQUE constraint"));
    }
}
