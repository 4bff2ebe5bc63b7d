package mailroom.storage.sqlite;

import mailroom.storage.Change;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * V20 on a log written before it: an entry of a message still stored gets the message's flags, one
 * of a message since expunged gets none (its expunge follows it), and an expunge stays without.
 */
class ChangeLogFlagsMigrationTest {
    @TempDir
    Path dir;

    @Test
    void entriesLoggedBeforeCarryTheMessagesPresentFlags() throws Exception {
        var source = new SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + dir.resolve("mailroom.db"));
        Flyway.configure().dataSource(source).locations("classpath:db/sqlite").target("19").load().migrate();
        try (var c = source.getConnection(); var st = c.createStatement()) {
            st.execute("INSERT INTO domains (name) VALUES ('example.test')");
            st.execute("INSERT INTO accounts (id, username, domain, password_hash, created_at, highest_modseq) VALUES (1, 'alice', 'example.test', 'h', 0, 4)");
            st.execute("INSERT INTO mailboxes (account_id, id, name, uid_validity, uid_next) VALUES (1, 3, 'INBOX', 1, 9)");
            st.execute("""
                    INSERT INTO messages (account_id, mailbox_id, uid, blob_id, size, internal_date, flags, modseq, structure, thread_id)
                    VALUES (1, 3, 7, 'b', 10, 0, '\\Seen $Work', 3, '{}', 1)""");
            st.execute("""
                    INSERT INTO changes (account_id, modseq, mailbox_id, uid, kind) VALUES
                    (1, 1, 3, 7, 'ADDED'), (1, 2, 3, 8, 'ADDED'), (1, 3, 3, 7, 'FLAGS'), (1, 4, 3, 8, 'EXPUNGED')""");
        }
        try (var storage = SqliteStorage.open(dir, false)) {
            assertThat(storage.mail().changesSince(1, 3, 0)).extracting(Change::modseq, Change::uid, Change::flags).containsExactly(
                    tuple(1L, 7L, Set.of("\\Seen", "$Work")), tuple(2L, 8L, Set.of()),
                    tuple(3L, 7L, Set.of("\\Seen", "$Work")), tuple(4L, 8L, Set.of()));
        }
    }
}
