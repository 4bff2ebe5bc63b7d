package mailroom.core.security;

/**
 * A limit refused something: a connection, a session, a message or a recipient. Always temporary;
 * each protocol words it (SMTP 421 4.7.0 / 451 4.7.1, IMAP NO [LIMIT], POP3 -ERR [IN-USE]).
 */
public final class LimitExceeded extends RuntimeException {
    /** Which limit, as the metric's label and the log line name it. */
    public enum Kind {
        CONNECTIONS("connections"), CONNECTION_RATE("connection_rate"), SESSIONS("sessions"),
        MESSAGES("messages"), RECIPIENTS("recipients");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final Kind kind;

    public LimitExceeded(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
