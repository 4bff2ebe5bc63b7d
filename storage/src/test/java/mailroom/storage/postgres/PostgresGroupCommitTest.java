package mailroom.storage.postgres;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import mailroom.storage.StorageException;
import mailroom.storage.sql.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Group commit on PostgreSQL: writes that arrive together share one transaction, each keeps its
 * own outcome, and groups that wait for each other's row locks still make every write exactly once.
 */
class PostgresGroupCommitTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private PostgresDatabase db;

    @BeforeEach
    void open() {
        Metrics.globalRegistry.add(meters);
        db = new PostgresDatabase(TestPostgres.newDatabase(), "postgres", "postgres", 8, Duration.ofSeconds(30));
        db.write(c -> {
            try (var st = c.createStatement()) {
                st.execute("CREATE TABLE items (k integer PRIMARY KEY, note text)");
                st.execute("CREATE TABLE counters (name text PRIMARY KEY, n integer NOT NULL)");
                st.execute("INSERT INTO items VALUES (-1, 'taken')");
                st.execute("INSERT INTO counters VALUES ('a', 0), ('b', 0)");
            }
            return null;
        });
    }

    @AfterEach
    void close() {
        db.close();
        Metrics.globalRegistry.remove(meters);
        meters.close();
    }

    /** Runs {@code count} writes at once, each on its own virtual thread, released together. */
    private List<Future<Object>> atOnce(int count, java.util.function.IntFunction<Database.Work<Object>> write) throws InterruptedException {
        var start = new CountDownLatch(1);
        var futures = new ArrayList<Future<Object>>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                Database.Work<Object> work = write.apply(i);
                futures.add(threads.submit(() -> {
                    start.await();
                    return db.write(work);
                }));
            }
            start.countDown();
        } // waits for every write
        return futures;
    }

    private double counted(String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Object insert(java.sql.Connection c, int k) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO items VALUES (?, 'new')"); var pause = c.createStatement()) {
            st.setInt(1, k);
            st.executeUpdate();
            pause.execute("SELECT pg_sleep(0.002)"); // a write that takes a moment, as a delivery does
        }
        return k;
    }

    @Test
    void writesArrivingTogetherShareCommitsAndAFailingOneFailsAlone() throws Exception {
        // Every tenth write takes a key that is already there: it fails, and only it.
        var futures = atOnce(200, i -> c -> insert(c, i % 10 == 0 ? -1 : i));

        for (int i = 0; i < futures.size(); i++) {
            var future = futures.get(i);
            if (i % 10 == 0) {
                assertThatThrownBy(future::get).as("write %d", i).cause().isInstanceOf(StorageException.class)
                        .satisfies(e -> assertThat(Database.isDuplicate((SQLException) e.getCause())).isTrue());
            } else {
                assertThat(future.get()).isEqualTo(i);
            }
        }
        int rows = db.read(c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM items WHERE k >= 0")) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertThat(rows).as("every write that succeeded is committed, and none of the failed ones").isEqualTo(180);
        double commits = counted("mailroom.storage.group.commits"), grouped = counted("mailroom.storage.group.writes");
        assertThat(commits).as("writes were grouped").isPositive();
        assertThat(grouped / commits).as("writes per group commit").isGreaterThan(1.5);
    }

    @Test
    void groupsWaitingForEachOthersRowsStillMakeEveryWriteOnce() throws Exception {
        // Half the writes lock a then b, half b then a: two groups can each hold what the other
        // needs, and so can the writes that step out to run alone (PostgreSQL breaks those
        // deadlocks after its deadlock_timeout, a second). Each write adds one to both counters.
        var futures = atOnce(40, i -> c -> {
            String first = i % 2 == 0 ? "a" : "b", second = i % 2 == 0 ? "b" : "a";
            try (var st = c.prepareStatement("UPDATE counters SET n = n + 1 WHERE name = ?")) {
                st.setString(1, first);
                st.executeUpdate();
                try (var pause = c.createStatement()) {
                    pause.execute("SELECT pg_sleep(0.003)");
                }
                st.setString(1, second);
                st.executeUpdate();
            }
            return null;
        });
        for (var future : futures) future.get(60, TimeUnit.SECONDS);
        List<Integer> counts = db.read(c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT n FROM counters ORDER BY name")) {
                var n = new ArrayList<Integer>();
                while (rs.next()) n.add(rs.getInt(1));
                return n;
            }
        });
        assertThat(counts).isEqualTo(List.of(40, 40));
        assertThat(counted("mailroom.storage.group.commits")).isPositive();
    }

    @Test
    void aWriteInsideAWriteJoinsItsTransaction() {
        int seen = db.write(c -> {
            insert(c, 7);
            return db.write(inner -> {
                assertThat(inner).isSameAs(c);
                try (var st = inner.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM items WHERE k = 7")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
        });
        assertThat(seen).isEqualTo(1);
    }
}
