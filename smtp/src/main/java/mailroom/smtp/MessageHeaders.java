package mailroom.smtp;

import mailroom.core.mail.EmailAddress;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reading single header fields from a message's header section (RFC 5322 section 2.2), unfolded. */
final class MessageHeaders {
    private static final Pattern ANGLE_ADDRESS = Pattern.compile("<([^<>\\s]+@[^<>\\s]+)>");
    private static final Pattern BARE_ADDRESS = Pattern.compile("([^\\s<>\"(),;:]+@[^\\s<>\"(),;:]+)");

    private MessageHeaders() {}

    /** The first field called {@code name}, unfolded and trimmed. */
    static Optional<String> field(String headers, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        String[] lines = headers.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].toLowerCase(Locale.ROOT).startsWith(prefix)) continue;
            StringBuilder value = new StringBuilder(lines[i].substring(prefix.length()));
            while (i + 1 < lines.length && !lines[i + 1].isEmpty() && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) {
                value.append(' ').append(lines[++i].strip());
            }
            return Optional.of(value.toString().strip());
        }
        return Optional.empty();
    }

    static boolean has(String headers, String name) {
        return field(headers, name).isPresent();
    }

    /** The (first) address in the From field, which DMARC and DKIM signing go by. */
    static Optional<EmailAddress> fromAddress(String headers) {
        return field(headers, "From").flatMap(value -> {
            var angle = ANGLE_ADDRESS.matcher(value);
            var bare = BARE_ADDRESS.matcher(value);
            String address = angle.find() ? angle.group(1) : bare.find() ? bare.group(1) : null;
            return address == null ? Optional.empty() : EmailAddress.parse(address, true);
        });
    }
}
