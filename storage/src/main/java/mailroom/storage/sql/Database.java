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

    /** Runs {@code work} in a transaction and returns once that transaction is durable. */
    <T> T write(Work<T> work);

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
