package mailroom.jmap.mail;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How JMAP ids map to storage ids. A mailbox is "m" and its storage id (ids are never reused in an
 * account). The store keeps a message as (mailbox, UID), one row per mailbox it is in, so an Email
 * is one such row: "e{mailbox}-{uid}", in exactly one mailbox. Its thread is "t{mailbox}-{uid}" of
 * the message that began the thread (the store's thread number, mailbox << 32 | uid), its bytes are
 * "b{mailbox}-{uid}", and a part's decoded bytes "b{mailbox}-{uid}-{part}" with the part number's
 * dots written as "_". Moving an Email to another mailbox (a mailboxIds update) is the store's
 * MOVE, so the moved message gets a new id; Email/changes reports the old one destroyed and the
 * new one created, as it would for an IMAP MOVE. An uploaded blob is "u" and its SHA-256.
 */
public final class Ids {
    private static final Pattern EMAIL = Pattern.compile("[etb]([0-9]{1,18})-([0-9]{1,18})(?:-([0-9_]{1,64}))?");

    /** A message as the store names it; {@code part} is an IMAP part number ("1.2") or null. */
    public record Ref(long mailboxId, long uid, String part) {
        public String emailId() {
            return "e" + mailboxId + "-" + uid;
        }

        public String threadId() {
            return "t" + mailboxId + "-" + uid;
        }

        public String blobId() {
            return "b" + mailboxId + "-" + uid;
        }

        public String partBlobId(String partId) {
            return blobId() + "-" + partId.replace('.', '_');
        }
    }

    private Ids() {}

    public static String mailbox(long id) {
        return "m" + id;
    }

    public static Optional<Long> mailbox(String id) {
        if (id == null || !id.matches("m[0-9]{1,18}")) return Optional.empty();
        return Optional.of(Long.parseLong(id.substring(1)));
    }

    /** The thread id of a store thread number. */
    public static String thread(long number) {
        return "t" + (number >>> 32) + "-" + (number & 0xffffffffL);
    }

    /** The store's thread number of a thread id, if it is one. */
    public static Optional<Long> threadNumber(String id) {
        return parse(id, 't').filter(r -> r.uid() <= 0xffffffffL && r.mailboxId() < (1L << 31)).map(r -> (r.mailboxId() << 32) | r.uid());
    }

    /** The thread of a stored message: the number the store gave it, or its own when it has none. */
    public static String threadOf(long mailboxId, mailroom.storage.MessageSummary summary) {
        return summary.threadId() != 0 ? thread(summary.threadId()) : ref(mailboxId, summary.uid()).threadId();
    }

    public static Ref ref(long mailboxId, long uid) {
        return new Ref(mailboxId, uid, null);
    }

    /** An email, thread or blob id of the given kind ('e', 't', 'b'). */
    public static Optional<Ref> parse(String id, char kind) {
        if (id == null || id.isEmpty() || id.charAt(0) != kind) return Optional.empty();
        var m = EMAIL.matcher(id);
        if (!m.matches() || (m.group(3) != null && kind != 'b')) return Optional.empty();
        String part = m.group(3) == null ? null : m.group(3).replace('_', '.');
        return Optional.of(new Ref(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), part));
    }
}
