package mailroom.core.net;

import java.io.IOException;

/**
 * A line exceeded the protocol's limit. The connection drops the rest of it, so the session can
 * answer and go on; {@link #head()} keeps its first octets (an IMAP tag, an SMTP verb) for the answer.
 */
public final class LineTooLongException extends IOException {
    private final byte[] head;

    public LineTooLongException(int limit) {
        this(limit, new byte[0]);
    }

    public LineTooLongException(int limit, byte[] head) {
        super("line longer than " + limit + " octets");
        this.head = head;
    }

    /** The line's first octets (up to 100). */
    public byte[] head() {
        return head.clone();
    }
}
