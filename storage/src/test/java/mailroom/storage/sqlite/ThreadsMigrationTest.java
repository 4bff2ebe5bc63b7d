package mailroom.storage.sqlite;

import mailroom.core.mime.MessageParser;
import mailroom.storage.Delivery;
import mailroom.storage.Mailbox;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V16 on a database with mail filed before it: each message gets its Message-ID (read from the
 * stored structure) and a thread of its own, numbered as a new one would be, and a reply filed
 * afterwards finds its parent by that Message-ID.
 */
class ThreadsMigrationTest {
    @TempDir
    Path dir;

    @Test
    void messagesFiledBeforeKeepTheirOwnThreadsAndRepliesFindThem() throws Exception {
        var config = new SQLiteConfig();
        config.enforceForeignKeys(true);
        var source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + dir.resolve("mailroom.db"));
        Flyway.configure().dataSource(source).locations("classpath:db/sqlite").target("13").load().migrate();
        try (var c = source.getConnection(); var st = c.createStatement()) {
            st.execute("INSERT INTO domains (name) VALUES ('example.test')");
            st.execute("INSERT INTO accounts (id, username, domain, password_hash, created_at) VALUES (1, 'alice', 'example.test', 'h', 0)");
            st.execute("INSERT INTO mailboxes (account_id, id, name, uid_validity, uid_next) VALUES (1, 3, 'INBOX', 1, 8)");
            st.execute("""
                    INSERT INTO messages (account_id, mailbox_id, uid, blob_id, size, internal_date, flags, modseq, structure)
                    VALUES (1, 3, 7, 'b', 10, 0, '', 1, '{"size":10,"envelope":{"subject":"old","messageId":"<old@example.net>"},"root":null}')""");
        }
        try (var storage = SqliteStorage.open(dir, false)) {
            var old = storage.mail().messages(1, 3, List.of(7L)).get(0);
            assertThat(old.threadId()).isEqualTo((3L << 32) | 7);
            byte[] reply = "Message-ID: <new@example.test>\r\nIn-Reply-To: <old@example.net>\r\n\r\nyes\r\n".getBytes(StandardCharsets.UTF_8);
            String blob;
            try (var w = storage.blobs().create()) {
                w.stream().write(reply);
                blob = w.commit();
            }
            var filed = storage.mail().deliver(new Delivery(blob, Instant.now(), MessageParser.parse(reply)), List.of(new Delivery.Target(1, Mailbox.INBOX, Set.of())));
            assertThat(storage.mail().messages(1, 3, List.of(filed.get(0).uid())).get(0).threadId()).isEqualTo(old.threadId());
            assertThat(storage.mail().thread(1, old.threadId())).hasSize(2);
        }
    }
}
