package mailroom.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example cluster's database side with its backups (examples/cluster: start-db, backup,
 * restore-pitr): a full pgBackRest backup plus the archived WAL bring the database back as it was
 * at a chosen moment, between two commits.
 */
class DatabaseBackupTest {
    @TempDir
    Path dir;
    ExampleCluster example;

    @BeforeEach
    void start() throws Exception {
        example = ExampleCluster.copyInto(dir);
        example.ok("start-db"); // etcd x3, db1 and db2 under Patroni: returns with a leader and a sync standby
    }

    @AfterEach
    void stop() throws Exception {
        if (example != null) example.run("stop"); // the throw-away instance too
    }

    @Test
    void restoresToThePointInTimeBetweenTwoCommits() throws Exception {
        example.ok("backup");
        // pgBackRest restores from a backup that stopped before the target time, and records that
        // stop in whole seconds: the moment to restore to must come a second or more later.
        Thread.sleep(1500);
        String between;
        try (var db = DriverManager.getConnection(ExampleCluster.DATABASE_URL, ExampleCluster.DATABASE_USER, ExampleCluster.DATABASE_PASSWORD);
             var st = db.createStatement()) {
            st.execute("CREATE TABLE pitr_check (name text)");
            st.execute("INSERT INTO pitr_check VALUES ('A')");
            try (var rs = st.executeQuery("SELECT clock_timestamp()::text")) { // the server's clock, as recovery reads it
                rs.next();
                between = rs.getString(1);
            }
            Thread.sleep(100);
            st.execute("INSERT INTO pitr_check VALUES ('B')");
        }

        Path restored = dir.resolve("restored");
        example.ok("restore-pitr", between, restored.toString());

        List<String> names = new ArrayList<>();
        try (var db = DriverManager.getConnection("jdbc:postgresql://127.0.4.9:5432/mailroom", ExampleCluster.DATABASE_USER, ExampleCluster.DATABASE_PASSWORD);
             var rs = db.createStatement().executeQuery("SELECT name FROM pitr_check ORDER BY name")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        assertThat(names).as("restored to " + between).containsExactly("A");
    }
}
