package mailroom.pop3;

/**
 * A refused command: the session answers "-ERR" with the text, led by an RFC 2449/3206 response code
 * such as [AUTH] or [SYS/TEMP] when there is one. Raised by handlers, answered in one place.
 */
public final class Pop3Exception extends Exception {
    public Pop3Exception(String responseCode, String text) {
        super(responseCode == null ? text : "[" + responseCode + "] " + text, null, false, false);
    }

    public Pop3Exception(String text) {
        this(null, text);
    }
}
