package mailroom.core.mail;

import java.util.Locale;
import java.util.Optional;

/**
 * An address as the envelope carries it (RFC 5321 section 4.1.2 "Mailbox"): a local part and a
 * domain. The local part is kept as given, unquoted; the domain is lower-cased, since domains are
 * case-insensitive and we compare them often.
 */
public record EmailAddress(String localPart, String domain) {

    public EmailAddress {
        domain = domain.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses "local@domain" where local may be a dot-string or a quoted string. Returns empty for
     * anything that is not one well-formed mailbox; {@code utf8} allows RFC 6531 UTF-8 in both parts.
     */
    public static Optional<EmailAddress> parse(String text, boolean utf8) {
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) return Optional.empty();
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (!utf8 && !isAscii(text)) return Optional.empty();
        if (!isDomain(domain)) return Optional.empty();
        if (local.startsWith("\"")) {
            if (local.length() < 2 || !local.endsWith("\"")) return Optional.empty();
            StringBuilder unquoted = new StringBuilder();
            for (int i = 1; i < local.length() - 1; i++) {
                char c = local.charAt(i);
                if (c == '\\') {
                    if (++i >= local.length() - 1) return Optional.empty();
                    c = local.charAt(i);
                } else if (c == '"') {
                    return Optional.empty();
                }
                if (c < 32 || c == 127) return Optional.empty();
                unquoted.append(c);
            }
            return Optional.of(new EmailAddress(unquoted.toString(), domain));
        }
        if (!isDotString(local)) return Optional.empty();
        return Optional.of(new EmailAddress(local, domain));
    }

    /** RFC 5321 Dot-string: atoms of atext joined by single dots. */
    static boolean isDotString(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean atext = Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0 || c > 127;
            if (!atext) return false;
        }
        return true;
    }

    /** A host name with at least two labels of ASCII letters, digits and inner hyphens: a mail domain to configure. */
    public static boolean isHostname(String s) {
        return s != null && s.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");
    }

    /** A domain name of letters, digits and hyphens, or an address literal such as [127.0.0.1]. */
    static boolean isDomain(String s) {
        if (s.startsWith("[") && s.endsWith("]")) return s.length() > 2 && s.substring(1, s.length() - 1).matches("[0-9A-Za-z:.\\-]+");
        if (s.isEmpty() || s.length() > 255) return false;
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(Character.isLetterOrDigit(c) || c == '-' || c > 127)) return false;
            }
        }
        return true;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 128);
    }

    /** The address as it goes on the wire: quoted when the local part is not a dot-string. */
    @Override
    public String toString() {
        String local = isDotString(localPart) ? localPart
                : "\"" + localPart.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return local + "@" + domain;
    }
}
