package mailroom.smtp;

import mailroom.core.mail.EmailAddress;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The SMTP wire grammar with no I/O: command lines, MAIL/RCPT paths with their ESMTP parameters, and
 * the DATA terminator and dot-stuffing (RFC 5321 sections 4.1.1, 4.1.2 and 4.5.2).
 */
public final class SmtpCodec {
    private SmtpCodec() {}

    /** A command line split into its verb (upper case) and the rest. */
    public record Command(String verb, String argument) {}

    public static Command parseCommand(String line) {
        String trimmed = line.stripTrailing();
        int space = trimmed.indexOf(' ');
        String verb = space < 0 ? trimmed : trimmed.substring(0, space);
        String argument = space < 0 ? "" : trimmed.substring(space + 1).strip();
        return new Command(verb.toUpperCase(Locale.ROOT), argument);
    }

    /**
     * The argument of MAIL or RCPT: the address ({@code null} for the null reverse-path "<>"), and
     * the ESMTP parameters with upper-case keywords.
     */
    public record PathArgument(EmailAddress address, String raw, Map<String, String> params) {
        public boolean isNullPath() {
            return address == null;
        }
    }

    /**
     * Parses "FROM:<path> params" (keyword "FROM") or "TO:<path> params". A source route
     * ("<@relay:user@host>") is accepted and dropped, as RFC 5321 section 3.3 asks. Empty when the
     * syntax is wrong; {@code utf8} allows RFC 6531 addresses.
     */
    public static Optional<PathArgument> parsePath(String argument, String keyword, boolean allowNull, boolean utf8) {
        String prefix = keyword + ":";
        if (!argument.regionMatches(true, 0, prefix, 0, prefix.length())) return Optional.empty();
        String rest = argument.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) return Optional.empty();
        int close = closingBracket(rest);
        if (close < 0) return Optional.empty();
        String path = rest.substring(1, close);
        Map<String, String> params = parseParams(rest.substring(close + 1));
        if (params == null) return Optional.empty();
        if (path.isEmpty()) return allowNull ? Optional.of(new PathArgument(null, "", params)) : Optional.empty();
        if (path.startsWith("@")) { // source route: @one,@two:mailbox
            int colon = path.indexOf(':');
            if (colon < 0) return Optional.empty();
            path = path.substring(colon + 1);
        }
        String mailbox = path;
        return EmailAddress.parse(mailbox, utf8 || params.containsKey("SMTPUTF8")).map(a -> new PathArgument(a, mailbox, params));
    }

    /**
     * RFC 5321 section 4.5.3.1: the longest command line is 512 octets with its CRLF. ESMTP parameters
     * lengthen MAIL and RCPT (SIZE, BODY, RET and ENVID, NOTIFY and ORCPT, whose ORCPT alone may add
     * 500 octets per RFC 3461), so those two may reach 1,000; AUTH with an initial response may
     * reach 12,288 (RFC 4954 section 4). Limits are of the line without its CRLF.
     */
    public static int commandLineLimit(String verb) {
        return switch (verb) {
            case "MAIL", "RCPT" -> 1000 - 2;
            case "AUTH" -> MAX_AUTH_LINE;
            default -> 512 - 2;
        };
    }

    /** The longest line read at all: an AUTH command, or a SASL response (RFC 4954 section 4). */
    public static final int MAX_AUTH_LINE = 12288 - 2;

    /**
     * What is too long in a path, by RFC 5321 section 4.5.3.1 (local part 64 octets, domain 255,
     * the path with its angle brackets 256); empty when nothing is.
     */
    public static Optional<String> pathTooLong(PathArgument path) {
        if (path.isNullPath()) return Optional.empty();
        if (octets(path.raw()) + 2 > 256) return Optional.of("Path longer than 256 octets");
        if (octets(path.address().localPart()) > 64) return Optional.of("Local part longer than 64 octets");
        if (octets(path.address().domain()) > 255) return Optional.of("Domain longer than 255 octets");
        return Optional.empty();
    }

    private static int octets(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** RFC 5321 "Postmaster" without a domain is a valid RCPT path (section 4.1.1.3). */
    public static boolean isBarePostmaster(String argument) {
        return argument.regionMatches(true, 0, "TO:<postmaster>", 0, 15) && argument.substring(15).isBlank();
    }

    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) i++;
            else if (c == '"') quoted = !quoted;
            else if (c == '>' && !quoted) return i;
        }
        return -1;
    }

    /** "KEY=value KEY2" into an ordered map; null when a parameter is malformed. */
    private static Map<String, String> parseParams(String text) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String p : text.strip().split(" +")) {
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (!key.matches("[A-Z0-9][A-Z0-9-]*")) return null;
            params.put(key, eq < 0 ? "" : p.substring(eq + 1));
        }
        return params;
    }

    /** True for the line that ends DATA: a single dot. */
    public static boolean isEndOfData(byte[] line) {
        return line.length == 1 && line[0] == '.';
    }

    /** Removes the leading dot that the client added to a line starting with a dot (section 4.5.2). */
    public static int unstuffedOffset(byte[] line) {
        return line.length > 0 && line[0] == '.' ? 1 : 0;
    }

    /** RFC 3461 section 4: xtext, where "+XX" is a hex-coded octet. Empty when malformed. */
    public static Optional<String> decodeXtext(String xtext) {
        var out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                // hexchar: "+" and two upper-case hex digits
                if (i + 2 >= xtext.length() || !isUpperHex(xtext.charAt(i + 1)) || !isUpperHex(xtext.charAt(i + 2))) return Optional.empty();
                out.write(Integer.parseInt(xtext.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c < '!' || c > '~' || c == '=') {
                return Optional.empty();
            } else {
                out.write(c);
            }
        }
        return Optional.of(out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    /** The reverse of {@link #decodeXtext}: "+", "=" and anything outside printable ASCII are hex-coded. */
    public static String encodeXtext(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < '!' || c > '~' || c == '+' || c == '=') sb.append('+').append(String.format("%02X", c));
            else sb.append((char) c);
        }
        return sb.toString();
    }

    /** RFC 3461 section 4.1: "NEVER", or a comma-separated set of SUCCESS, FAILURE and DELAY. */
    public static Optional<String> parseNotify(String value) {
        String upper = value.toUpperCase(Locale.ROOT);
        if (upper.equals("NEVER")) return Optional.of(upper);
        for (String word : upper.split(",", -1)) {
            if (!word.equals("SUCCESS") && !word.equals("FAILURE") && !word.equals("DELAY")) return Optional.empty();
        }
        return Optional.of(upper);
    }

    /** RFC 3461 section 4.2: "addr-type;xtext", kept decoded as "addr-type;address". */
    public static Optional<String> parseOrcpt(String value) {
        int semicolon = value.indexOf(';');
        if (semicolon <= 0) return Optional.empty();
        return decodeXtext(value.substring(semicolon + 1)).map(address -> value.substring(0, semicolon) + ";" + address);
    }
}
