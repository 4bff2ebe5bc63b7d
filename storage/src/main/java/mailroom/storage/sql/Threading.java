package mailroom.storage.sql;

import mailroom.core.mime.ParsedMessage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which thread a message joins as it is filed (RFC 8621 section 3 leaves the rule to the server).
 * Its parents are named by Message-ID in In-Reply-To and References (RFC 5322 section 3.6.4); the
 * nearest one already in the account gives the thread, and a message with the same Message-ID as
 * one already there (the copy in Sent and the one received) joins that one's. Otherwise the message
 * starts a thread numbered after the (mailbox, UID) it is filed at, which nothing else ever had.
 */
final class Threading {
    private static final Pattern MSG_ID = Pattern.compile("<([^<>\\s]{1,250})>");
    /** Enough ancestors to find a thread; a References field can list hundreds. */
    private static final int MAX_KEYS = 20;

    private Threading() {}

    /** The Message-ID as stored: what is between the angle brackets, or null. */
    static String messageId(ParsedMessage parsed) {
        String raw = parsed.envelope() == null ? null : parsed.envelope().messageId();
        if (raw == null) return null;
        var m = MSG_ID.matcher(raw);
        if (m.find()) return m.group(1);
        String bare = raw.strip();
        return bare.isEmpty() || bare.contains(" ") || bare.length() > 250 ? null : bare;
    }

    /** The Message-IDs to look for, nearest first: In-Reply-To, then References from the last, then its own. */
    static List<String> keys(ParsedMessage parsed) {
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        if (parsed.envelope() != null) ids(parsed.envelope().inReplyTo()).forEach(keys::add);
        List<String> refs = ids(parsed.references());
        for (int i = refs.size() - 1; i >= 0; i--) keys.add(refs.get(i));
        String own = messageId(parsed);
        if (own != null) keys.add(own);
        return keys.stream().limit(MAX_KEYS).toList();
    }

    private static List<String> ids(String field) {
        List<String> out = new ArrayList<>();
        if (field == null) return out;
        var m = MSG_ID.matcher(field);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    static long root(long mailboxId, long uid) {
        return (mailboxId << 32) | uid;
    }

    /** The thread for a message about to be filed at (mailbox, uid), read in the filing transaction. */
    static long threadFor(Connection c, long accountId, ParsedMessage parsed, long mailboxId, long uid) throws SQLException {
        List<String> keys = keys(parsed);
        if (!keys.isEmpty()) {
            String marks = String.join(", ", java.util.Collections.nCopies(keys.size(), "?"));
            Map<String, Long> found = new HashMap<>();
            try (var st = c.prepareStatement("SELECT message_id, thread_id FROM messages WHERE account_id = ? AND message_id IN (" + marks + ")")) {
                st.setLong(1, accountId);
                for (int i = 0; i < keys.size(); i++) st.setString(i + 2, keys.get(i));
                try (var rs = st.executeQuery()) {
                    while (rs.next()) found.putIfAbsent(rs.getString(1), rs.getLong(2));
                }
            }
            for (String key : keys) if (found.containsKey(key)) return found.get(key);
        }
        return root(mailboxId, uid);
    }
}
