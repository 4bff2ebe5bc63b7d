package mailroom.smtp;

import mailroom.core.mail.EmailAddress;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A message's header section (RFC 5322 section 2.2): copying it out, reading single fields
 * unfolded, and skipping the Return-Path we put in front of stored messages.
 */
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

    /** Copies the header section up to and including the empty line that ends it (or at most {@code max} bytes). */
    static void copyHeaderSection(InputStream in, OutputStream out, long max) throws IOException {
        int c, lineLength = 0;
        for (long copied = 0; copied < max && (c = in.read()) >= 0; copied++) {
            out.write(c);
            if (c == '\n') {
                if (lineLength == 0) return;
                lineLength = 0;
            } else if (c != '\r') {
                lineLength++;
            }
        }
    }

    /**
     * The stored message without its leading Return-Path: final delivery needs that field, but a
     * relay must not send one on (RFC 5321 section 4.4), nor does a returned copy carry it.
     */
    static InputStream withoutReturnPath(InputStream stored) throws IOException {
        var in = new BufferedInputStream(stored, 65536);
        byte[] prefix = "Return-Path:".getBytes(StandardCharsets.US_ASCII);
        in.mark(prefix.length);
        if (!new String(in.readNBytes(prefix.length), StandardCharsets.US_ASCII).equalsIgnoreCase("Return-Path:")) {
            in.reset();
            return in;
        }
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            // skip to the end of the field's line
        }
        return in;
    }
}
