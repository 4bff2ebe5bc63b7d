package mailroom.imap.codec;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

/** Renders IMAP data items: strings as quoted strings or literals, NIL, and parenthesized lists. */
public final class ImapWriter {
    private ImapWriter() {}

    /** A string as a quoted string when it can be one, else as a literal (RFC 3501 section 4.3). */
    public static String string(String s, boolean utf8) {
        boolean quotable = s.length() < 1024;
        for (int i = 0; i < s.length() && quotable; i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || (c > 0x7e && !utf8)) quotable = false;
        }
        if (quotable) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return "{" + s.getBytes(StandardCharsets.UTF_8).length + "}\r\n" + s;
    }

    public static String nstring(String s, boolean utf8) {
        return s == null ? "NIL" : string(s, utf8);
    }

    /** An astring: a bare atom when it is one, else a string. */
    public static String astring(String s, boolean utf8) {
        if (!s.isEmpty() && s.chars().allMatch(c -> c > 0x20 && c < 0x7f && "(){ %*\"\\]".indexOf(c) < 0)) return s;
        return string(s, utf8);
    }

    public static String list(Collection<String> items) {
        return "(" + String.join(" ", items) + ")";
    }
}
