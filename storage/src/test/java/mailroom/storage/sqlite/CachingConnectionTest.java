package mailroom.storage.sqlite;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The prepared-statement cache on a real SQLite database in WAL mode, as the node opens it. */
class CachingConnectionTest {
    @TempDir
    Path dir;
    private Connection cached;
    private Connection other;

    @BeforeEach
    void open() throws SQLException {
        var config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        var source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + dir.resolve("test.db"));
        other = source.getConnection();
        try (var st = other.createStatement()) {
            st.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 1; i <= 5; i++) st.executeUpdate("INSERT INTO t (id, v) VALUES (" + i + ", 'v" + i + "')");
        }
        cached = CachingConnection.open(dir.resolve("test.db"), config);
    }

    @AfterEach
    void close() throws SQLException {
        cached.close();
        other.close();
    }

    @Test
    void theSameSqlGetsTheSameStatementBackWithNoBindingsLeft() throws SQLException {
        PreparedStatement first;
        try (var st = cached.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            first = st;
            st.setLong(1, 2);
            try (var rs = st.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("v2");
            }
        }
        assertThat(first.isClosed()).isTrue();
        try (var st = cached.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            assertThat(st).isSameAs(first);
            try (var rs = st.executeQuery()) { // no binding: NULL, which matches no row
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void closingAStatementHalfReadEndsItsReadSoNewWritesShowAndTheLogCanBeCheckpointed() throws SQLException {
        try (var st = cached.prepareStatement("SELECT id FROM t ORDER BY id")) {
            var rs = st.executeQuery(); // left open: closing the statement must end the read
            assertThat(rs.next()).isTrue(); // one row of five: the statement still holds its snapshot
        }
        try (var st = other.createStatement()) {
            st.executeUpdate("INSERT INTO t (id, v) VALUES (6, 'v6')");
            try (var rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("checkpoint blocked by a reader").isZero();
            }
        }
        try (var st = cached.prepareStatement("SELECT count(*) FROM t"); var rs = st.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(6);
        }
    }

    @Test
    void theSameSqlInsideALoopOverItsOwnResultsGetsAStatementOfItsOwn() throws SQLException {
        String sql = "SELECT id FROM t WHERE id >= ? ORDER BY id";
        List<Integer> pairs = new ArrayList<>();
        try (var outer = cached.prepareStatement(sql)) {
            outer.setLong(1, 4);
            try (var rows = outer.executeQuery()) {
                while (rows.next()) {
                    try (var inner = cached.prepareStatement(sql)) {
                        assertThat(inner).isNotSameAs(outer);
                        inner.setLong(1, rows.getInt(1));
                        try (var rs = inner.executeQuery()) {
                            while (rs.next()) pairs.add(rows.getInt(1) * 10 + rs.getInt(1));
                        }
                    }
                }
            }
        }
        assertThat(pairs).containsExactly(44, 45, 55);
    }

    @Test
    void moreDistinctStatementsThanItKeepsStillWorkIncludingOneEvictedWhileOpen() throws SQLException {
        try (var held = cached.prepareStatement("SELECT v FROM t WHERE id = 1")) {
            for (int i = 0; i < CachingConnection.CAPACITY * 2; i++) {
                try (var st = cached.prepareStatement("SELECT " + i + " FROM t WHERE id = 1"); var rs = st.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(i);
                }
            }
            try (var rs = held.executeQuery()) { // evicted meanwhile, but its user still has it
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("v1");
            }
        }
        try (var st = cached.prepareStatement("SELECT v FROM t WHERE id = 1"); var rs = st.executeQuery()) {
            assertThat(rs.next()).isTrue();
        }
    }

    @Test
    void aConnectionHasItsConfigurationsSettings() throws SQLException {
        var config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setBusyTimeout(1234);
        config.enforceForeignKeys(true);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        try (var c = CachingConnection.open(dir.resolve("settings.db"), config); var st = c.createStatement()) {
            for (var pragma : new String[][] {{"journal_mode", "wal"}, {"busy_timeout", "1234"}, {"foreign_keys", "1"}, {"synchronous", "2"}}) {
                try (var rs = st.executeQuery("PRAGMA " + pragma[0])) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).as(pragma[0]).isEqualTo(pragma[1]);
                }
            }
        }
    }
}
