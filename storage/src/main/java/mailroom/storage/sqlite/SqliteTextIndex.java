package mailroom.storage.sqlite;

import mailroom.core.mime.MessageText;
import mailroom.storage.MailStore.TextField;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

/**
 * SEARCH's index in SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 and later), which
 * finds any substring of three characters or more; {@code case_sensitive 1}, as the text is folded
 * already. The table is contentless (the text is not stored twice) with {@code contentless_delete}
 * (3.43 and later) so a collected blob's entry can be deleted; {@code text_blobs} gives each blob the
 * integer row id FTS5 needs. Schema: db/sqlite/V14.
 */
public final class SqliteTextIndex implements mailroom.storage.sql.TextIndex {

    @Override
    public void add(Connection c, String blobId, MessageText.Indexed text) throws SQLException {
        long rowid;
        try (var st = c.prepareStatement("INSERT INTO text_blobs (blob_id) VALUES (?) ON CONFLICT DO NOTHING RETURNING id")) {
            st.setString(1, blobId);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) return; // indexed already
                rowid = rs.getLong(1);
            }
        }
        try (var st = c.prepareStatement("INSERT INTO text_index (rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, header, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            st.setLong(1, rowid);
            mailroom.storage.sql.TextIndex.bindFields(st, 2, text);
            st.executeUpdate();
        }
    }

    @Override
    public void remove(Connection c, String blobId) throws SQLException {
        try (var st = c.prepareStatement("DELETE FROM text_index WHERE rowid = (SELECT id FROM text_blobs WHERE blob_id = ?)")) {
            st.setString(1, blobId);
            st.executeUpdate();
        }
        try (var st = c.prepareStatement("DELETE FROM text_blobs WHERE blob_id = ?")) {
            st.setString(1, blobId);
            st.executeUpdate();
        }
    }

    @Override
    public Set<Long> matching(Connection c, long accountId, long mailboxId, TextField field, String needle) throws SQLException {
        // A trigram index holds no shorter token: a needle of one or two characters cannot be looked up.
        if (needle.codePointCount(0, needle.length()) < 3) return null;
        // A phrase of the needle's trigrams in a row: exactly the texts that contain it. Quotes are doubled (FTS5 string syntax).
        String query = "{" + columns(field) + "} : \"" + needle.replace("\"", "\"\"") + "\"";
        Set<Long> uids = new HashSet<>();
        // The index's hits lead (CROSS JOIN fixes the order) and each finds its messages by blob;
        // the unary plus keeps SQLite from walking the whole mailbox by its key instead.
        try (var st = c.prepareStatement("""
                SELECT m.uid FROM text_index
                CROSS JOIN text_blobs b ON b.id = text_index.rowid
                CROSS JOIN messages m ON m.blob_id = b.blob_id
                WHERE text_index MATCH ? AND +m.account_id = ? AND +m.mailbox_id = ?""")) {
            st.setString(1, query);
            st.setLong(2, accountId);
            st.setLong(3, mailboxId);
            try (var rs = st.executeQuery()) {
                while (rs.next()) uids.add(rs.getLong(1));
            }
        }
        return uids;
    }

    private static String columns(TextField field) {
        return switch (field) {
            case SUBJECT -> "subject";
            case FROM -> "from_addr";
            case TO -> "to_addr";
            case CC -> "cc_addr";
            case BCC -> "bcc_addr";
            case BODY -> "body";
            case TEXT -> "header body";
        };
    }
}
