package mailroom.storage.sql;

import mailroom.core.mime.MessageText;
import mailroom.storage.MailStore.TextField;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * The full-text index behind SEARCH's text keys, in the database's own engine: SQLite's FTS5 with
 * its trigram tokenizer, PostgreSQL's pg_trgm. It is keyed by blob, not by message: a message's
 * text follows from its bytes alone, so the copies of one delivery, COPY and MOVE share one entry,
 * and an expunged message drops out of every answer at once because answers are joined with the
 * mailbox's messages. An entry goes when its blob is collected.
 *
 * <p>The text is {@link MessageText#fold folded} before it is stored and the needle before it is
 * looked up, and both engines then compare case-sensitively: the index matches exactly what SEARCH's
 * scan matches, with no case folding of the engine's own to differ from Java's.
 */
public interface TextIndex {

    /** Adds a blob's text; nothing when the blob is indexed already. (Whether it is complete is kept apart, in text_partial.) */
    void add(Connection c, String blobId, MessageText.Indexed text) throws SQLException;

    /** Binds the seven indexed fields, in the column order both engines' tables use, from parameter {@code first} on. */
    static void bindFields(java.sql.PreparedStatement st, int first, MessageText.Indexed text) throws SQLException {
        st.setString(first, text.subject());
        st.setString(first + 1, text.from());
        st.setString(first + 2, text.to());
        st.setString(first + 3, text.cc());
        st.setString(first + 4, text.bcc());
        st.setString(first + 5, text.header());
        st.setString(first + 6, text.body());
    }

    /** Forgets a blob's text (the blob is being deleted). */
    void remove(Connection c, String blobId) throws SQLException;

    /**
     * The UIDs of the mailbox whose indexed text for {@code field} contains {@code needle} (folded,
     * {@link MessageText#indexable indexable}); null when this engine cannot look the needle up.
     */
    Set<Long> matching(Connection c, long accountId, long mailboxId, TextField field, String needle) throws SQLException;
}
