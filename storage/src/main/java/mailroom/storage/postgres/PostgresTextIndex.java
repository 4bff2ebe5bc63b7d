package mailroom.storage.postgres;

import mailroom.core.mime.MessageText;
import mailroom.storage.MailStore.TextField;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

/**
 * SEARCH's index in PostgreSQL: the folded text in {@code text_blobs}, one column per SEARCH key,
 * each with a pg_trgm GIN index, searched with a case-sensitive LIKE '%needle%'. The GIN index
 * narrows to the rows holding the needle's trigrams and PostgreSQL rechecks LIKE on the stored text,
 * so the answer is exact for needles of any length (one or two characters only miss the index's
 * help). Schema: db/postgres/V8.
 */
public final class PostgresTextIndex implements mailroom.storage.sql.TextIndex {

    @Override
    public void add(Connection c, String blobId, MessageText.Indexed text) throws SQLException {
        try (var st = c.prepareStatement("""
                INSERT INTO text_blobs (blob_id, subject, from_addr, to_addr, cc_addr, bcc_addr, header, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            st.setString(1, blobId);
            mailroom.storage.sql.TextIndex.bindFields(st, 2, text);
            st.executeUpdate();
        }
    }

    @Override
    public void remove(Connection c, String blobId) throws SQLException {
        try (var st = c.prepareStatement("DELETE FROM text_blobs WHERE blob_id = ?")) {
            st.setString(1, blobId);
            st.executeUpdate();
        }
    }

    @Override
    public Set<Long> matching(Connection c, long accountId, long mailboxId, TextField field, String needle) throws SQLException {
        String pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        String where = switch (field) {
            case SUBJECT -> "t.subject LIKE ?";
            case FROM -> "t.from_addr LIKE ?";
            case TO -> "t.to_addr LIKE ?";
            case CC -> "t.cc_addr LIKE ?";
            case BCC -> "t.bcc_addr LIKE ?";
            case BODY -> "t.body LIKE ?";
            case TEXT -> "(t.header LIKE ? OR t.body LIKE ?)";
        };
        Set<Long> uids = new HashSet<>();
        try (var st = c.prepareStatement("SELECT m.uid FROM text_blobs t JOIN messages m ON m.blob_id = t.blob_id WHERE "
                + where + " AND m.account_id = ? AND m.mailbox_id = ?")) {
            int n = 1;
            st.setString(n++, pattern);
            if (field == TextField.TEXT) st.setString(n++, pattern);
            st.setLong(n++, accountId);
            st.setLong(n, mailboxId);
            try (var rs = st.executeQuery()) {
                while (rs.next()) uids.add(rs.getLong(1));
            }
        }
        return uids;
    }
}
