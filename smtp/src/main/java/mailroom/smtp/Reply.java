package mailroom.smtp;

import java.util.List;

/**
 * An SMTP reply: a three-digit code, an enhanced status code (RFC 3463) and one or more lines of
 * text. {@link #wire()} renders the multi-line form of RFC 5321 section 4.2.1.
 */
public record Reply(int code, String enhanced, List<String> lines) {

    public static Reply of(int code, String enhanced, String text) {
        return new Reply(code, enhanced, List.of(text));
    }

    /** A reply without an enhanced code: the greeting, and the EHLO reply whose lines are keywords. */
    public static Reply plain(int code, List<String> lines) {
        return new Reply(code, null, lines);
    }

    public boolean isPositive() {
        return code < 400;
    }

    /** True for replies after which the server closes the connection. */
    public boolean closes() {
        return code == 221 || code == 421;
    }

    public String wire() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i < lines.size() - 1 ? '-' : ' ');
            if (enhanced != null) sb.append(enhanced).append(' ');
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    // The replies used in more than one place.
    static final Reply OK = of(250, "2.0.0", "Ok");
    static final Reply BAD_SEQUENCE = of(503, "5.5.1", "Bad sequence of commands");
    static final Reply UNKNOWN = of(500, "5.5.1", "Command not recognized");
    static final Reply LINE_TOO_LONG = of(500, "5.5.2", "Line too long");
    static final Reply STORAGE_FAILURE = of(451, "4.3.0", "Local error in processing, try again later");
}
