package mailroom.core.mail;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Mailbox names on the wire. Stored as Unicode; sent and received in modified UTF-7 (RFC 3501
 * section 5.1.3) unless the client enabled UTF8=ACCEPT (RFC 6855). The hierarchy delimiter is "/",
 * and INBOX is case-insensitive.
 */
public final class MailboxNames {
    public static final char DELIMITER = '/';
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private MailboxNames() {}

    /** The canonical stored form: "INBOX" in any case becomes INBOX, also as a prefix ("inbox/x"). */
    public static String canonical(String name) {
        if (name.equalsIgnoreCase("INBOX")) return "INBOX";
        if (name.length() > 6 && name.substring(0, 6).equalsIgnoreCase("INBOX" + DELIMITER)) return "INBOX" + name.substring(5);
        return name;
    }

    public static String encodeUtf7(String name) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < name.length()) {
            char c = name.charAt(i);
            if (c >= 0x20 && c <= 0x7e) {
                out.append(c == '&' ? "&-" : String.valueOf(c));
                i++;
                continue;
            }
            int j = i;
            while (j < name.length() && (name.charAt(j) < 0x20 || name.charAt(j) > 0x7e)) j++;
            byte[] utf16 = name.substring(i, j).getBytes(StandardCharsets.UTF_16BE);
            out.append('&').append(B64.encodeToString(utf16).replace('/', ',')).append('-');
            i = j;
        }
        return out.toString();
    }

    /** Decodes modified UTF-7; null when the text is not valid modified UTF-7. */
    public static String decodeUtf7(String wire) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < wire.length()) {
            char c = wire.charAt(i);
            if (c > 0x7e) return null; // 8-bit is not allowed in modified UTF-7
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            int end = wire.indexOf('-', i);
            if (end < 0) return null;
            if (end == i + 1) {
                out.append('&');
            } else {
                try {
                    byte[] utf16 = B64D.decode(wire.substring(i + 1, end).replace(',', '/'));
                    if (utf16.length % 2 != 0) return null;
                    out.append(new String(utf16, StandardCharsets.UTF_16BE));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            i = end + 1;
        }
        return out.toString();
    }

    /** The parent of "a/b/c" is "a/b"; null for a top-level name. */
    public static String parent(String name) {
        int slash = name.lastIndexOf(DELIMITER);
        return slash <= 0 ? null : name.substring(0, slash);
    }

    /**
     * Matches a LIST pattern: "*" matches anything, "%" anything but the delimiter (RFC 3501
     * section 6.3.8).
     */
    public static boolean matches(String pattern, String name) {
        // One pass over the pattern, keeping the set of name positions it can have reached: time
        // pattern x name. (Backtracking took exponential time on patterns like "*a*a*a...b", which
        // any client may send in LIST.)
        int n = name.length();
        boolean[] reach = new boolean[n + 1];
        reach[0] = true;
        for (int pi = 0; pi < pattern.length(); pi++) {
            char c = pattern.charAt(pi);
            boolean[] next = new boolean[n + 1];
            if (c == '*' || c == '%') {
                boolean open = false; // some earlier position reached, with only matchable characters since
                for (int j = 0; j <= n; j++) {
                    if (reach[j]) open = true;
                    else if (open && c == '%' && name.charAt(j - 1) == DELIMITER) open = false;
                    next[j] = open;
                }
            } else {
                for (int j = 0; j < n; j++) if (reach[j] && name.charAt(j) == c) next[j + 1] = true;
            }
            reach = next;
        }
        return reach[n];
    }
}
