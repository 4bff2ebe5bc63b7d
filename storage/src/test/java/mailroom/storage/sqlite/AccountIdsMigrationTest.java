package mailroom.storage.sqlite;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V13 on a database made before it: accounts get AUTOINCREMENT with their ids, account routes
 * survive the table being made again (foreign keys stay on), and rows a delete had left go.
 */
class AccountIdsMigrationTest {
    @TempDir
    Path dir;

    @Test
    void accountsKeepTheirIdsAndRoutesAndLeftoversGo() throws Exception {
        var config = new SQLiteConfig();
        config.enforceForeignKeys(true);
        var source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + dir.resolve("mailroom.db"));
        Flyway.configure().dataSource(source).locations("classpath:db/sqlite").target("11").load().migrate();
        try (var c = source.getConnection(); var st = c.createStatement()) {
            st.execute("INSERT INTO domains (name) VALUES ('example.test')");
            st.execute("INSERT INTO accounts (id, username, domain, password_hash, created_at, quota_bytes, admin) VALUES (1, 'alice', 'example.test', 'h', 0, 5, 1)");
            st.execute("INSERT INTO accounts (id, username, domain, password_hash, created_at) VALUES (2, 'bob', 'example.test', 'h', 0)");
            st.execute("INSERT INTO account_routes (account_id, store) VALUES (1, 'store2')");
            // what deleting account 3 used to leave
            st.execute("INSERT INTO subscriptions (account_id, name) VALUES (3, 'Private')");
            st.execute("INSERT INTO mailboxes (account_id, id, name, uid_validity) VALUES (3, 1, 'Private', 1)");
        }
        try (var storage = SqliteStorage.open(dir, false)) {
            assertThat(storage.directory().account("alice", "example.test").orElseThrow().id()).isEqualTo(1);
            assertThat(storage.directory().account("alice", "example.test").orElseThrow().quotaBytes()).isEqualTo(5);
            assertThat(storage.directory().accountRoutes()).containsEntry(1L, "store2").hasSize(1);
            long carol = storage.directory().addAccount("carol", "example.test", "h").id();
            assertThat(carol).isEqualTo(3);
            assertThat(storage.mail().subscriptions(carol)).as("nothing of the old account 3").isEmpty();
            assertThat(storage.mail().mailboxes(carol)).isEmpty();
            storage.directory().deleteAccount(carol);
            assertThat(storage.directory().addAccount("dave", "example.test", "h").id()).as("AUTOINCREMENT: 3 is not given again").isEqualTo(4);
        }
    }
}
