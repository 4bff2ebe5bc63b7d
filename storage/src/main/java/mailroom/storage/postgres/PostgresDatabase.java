package mailroom.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import mailroom.storage.StorageException;
import mailroom.storage.sql.Database;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * PostgreSQL shared by every node of a cluster, through a HikariCP pool. Each write is its own
 * transaction, committed before it returns (PostgreSQL groups concurrent commits into one WAL
 * flush itself). Concurrent writers to one account queue on its row, which every write updates
 * for the next MODSEQ; a write that loses a deadlock or a serialization check is run again.
 */
final class PostgresDatabase implements Database {
    /** serialization_failure, deadlock_detected: the transaction did nothing and may simply be run again. */
    private static final Set<String> RETRYABLE = Set.of("40001", "40P01");
    private static final int ATTEMPTS = 5;

    private final HikariDataSource pool;
    /**
     * The connection of the write running on this thread. Work inside a write that reads or writes
     * again (a blob check during a delivery) joins that transaction rather than taking a second
     * connection, which under load could wait for ever on a pool that the waiting writes hold.
     */
    private final ThreadLocal<Connection> inWrite = new ThreadLocal<>();

    PostgresDatabase(String url, String user, String password, int poolSize) {
        var config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("mailroom-postgres");
        config.setConnectionTimeout(10_000);
        // Strings are sent untyped, so a parameter compared with a citext column is compared as citext.
        config.addDataSourceProperty("stringtype", "unspecified");
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("cannot connect to PostgreSQL at " + url + ": " + rootMessage(e), e);
        }
        Flyway.configure().dataSource(pool).locations("classpath:db/postgres").load().migrate();
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage();
    }

    /** Connections for LISTEN, which must stay out of the pool: a notification arrives on the connection that listens. */
    Connection dedicatedConnection() throws SQLException {
        return java.sql.DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword());
    }

    @Override
    public <T> T write(Work<T> work) {
        return mailroom.core.metrics.Meters.storage("write", () -> timedWrite(work));
    }

    private <T> T timedWrite(Work<T> work) {
        Connection joined = inWrite.get();
        if (joined != null) return run(joined, work);
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                inWrite.set(c);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    inWrite.remove();
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                if (RETRYABLE.contains(e.getSQLState()) && attempt < ATTEMPTS) continue;
                throw new StorageException("write failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public <T> T read(Work<T> work) {
        return mailroom.core.metrics.Meters.storage("read", () -> timedRead(work));
    }

    private <T> T timedRead(Work<T> work) {
        Connection joined = inWrite.get();
        if (joined != null) return run(joined, work);
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StorageException("read failed: " + e.getMessage(), e);
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
