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
        return matches(pattern, 0, name, 0);
    }

    private static boolean matches(String p, int pi, String n, int ni) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*' || c == '%') {
                for (int k = ni; k <= n.length(); k++) {
                    if (matches(p, pi + 1, n, k)) return true;
                    if (k < n.length() && c == '%' && n.charAt(k) == DELIMITER) return false;
                }
                return false;
            }
            if (ni >= n.length() || n.charAt(ni) != c) return false;
            pi++;
            ni++;
        }
        return ni == n.length();
    }
}
