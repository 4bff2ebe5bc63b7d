package mailroom.core.net;

import java.io.IOException;

/** A line exceeded the protocol's limit. The over-long line has been consumed, so the session can go on. */
public final class LineTooLongException extends IOException {
    public LineTooLongException(int limit) {
        super("line longer than " + limit + " octets");
    }
}
