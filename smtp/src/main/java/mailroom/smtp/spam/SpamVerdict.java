package mailroom.smtp.spam;

import mailroom.storage.Mailbox;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Whether a stored message was judged spam, read back from the {@code X-Spam} field that
 * {@link SpamCheck} puts in front of every scored message; the filing stage (and Sieve rules)
 * decide with it. The first such field counts: ours comes before anything the sender wrote.
 */
public final class SpamVerdict {
    static final String FIELD = "X-Spam";
    /** Where to stop looking: our fields are near the top. */
    private static final int HEADER_LIMIT = 256 * 1024;

    private SpamVerdict() {}

    /** True when the first {@code X-Spam} field of the message's header section says "Yes". */
    public static boolean isSpam(byte[] message) {
        int end = Math.min(message.length, HEADER_LIMIT);
        for (int line = 0; line < end; ) {
            int next = line;
            while (next < end && message[next] != '\n') next++;
            int stop = next > line && message[next - 1] == '\r' ? next - 1 : next;
            if (stop == line) return false; // the empty line: end of the header section
            String text = new String(message, line, stop - line, StandardCharsets.ISO_8859_1);
            if (text.regionMatches(true, 0, FIELD + ":", 0, FIELD.length() + 1)) {
                return text.substring(FIELD.length() + 1).strip().equalsIgnoreCase("Yes");
            }
            line = next + 1;
        }
        return false;
    }

    /** True when the first {@code X-Spam} field of a header section says "Yes". */
    public static boolean isSpam(String headers) {
        return isSpam(headers.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The folder spam is filed into: the account's {@code \Junk} folder (RFC 6154) whatever the user
     * renamed it to, else one named Junk, else INBOX (a user who deleted Junk still gets the mail).
     */
    public static String junkFolder(List<Mailbox> mailboxes) {
        for (Mailbox m : mailboxes) if ("\\Junk".equalsIgnoreCase(m.specialUse())) return m.name();
        for (Mailbox m : mailboxes) if (m.name().equalsIgnoreCase("Junk")) return m.name();
        return Mailbox.INBOX;
    }
}
