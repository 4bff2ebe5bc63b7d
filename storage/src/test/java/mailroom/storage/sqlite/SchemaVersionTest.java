package mailroom.storage.sqlite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;

import static org.assertj.core.api.Assertions.assertThat;

/** SqliteDatabase skips Flyway when the history ends at SCHEMA_VERSION; that constant must name the newest migration. */
class SchemaVersionTest {
    @TempDir
    Path dir;

    @Test
    void schemaVersionIsTheNewestMigration() throws Exception {
        Path migrations = Path.of(getClass().getClassLoader().getResource("db/sqlite").toURI());
        int newest;
        try (var files = Files.list(migrations)) {
            newest = files.map(p -> p.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
        }
        assertThat(SqliteDatabase.SCHEMA_VERSION).isEqualTo(String.valueOf(newest));
    }

    @Test
    void aReopenedDatabaseIsAtThatVersionAndStillWorks() throws Exception {
        SqliteStorage.open(dir, false).close();
        try (var storage = SqliteStorage.open(dir, false)) {
            storage.directory().addDomain("example.test");
            assertThat(storage.directory().isLocalDomain("example.test")).isTrue();
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("mailroom.db"));
             var rs = c.createStatement().executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")) {
            assertThat(rs.getInt(1)).isEqualTo(Integer.parseInt(SqliteDatabase.SCHEMA_VERSION));
        }
    }
}
