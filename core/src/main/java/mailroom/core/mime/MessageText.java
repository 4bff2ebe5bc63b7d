package mailroom.core.mime;

import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;
import org.apache.james.mime4j.field.address.LenientAddressParser;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The text IMAP SEARCH compares its strings with (RFC 3501 and RFC 9051 section 6.4.4): header
 * fields with their encoded words decoded (RFC 2047), and the text parts of the body with their
 * transfer encoding and charset undone. SEARCH's scan and the full-text index both take their text
 * from here, so an answer from the index is the answer the scan would give.
 *
 * <p>Matching is "case-insensitive substring": both sides are {@link #fold folded} and compared as
 * strings.
 */
public final class MessageText {
    /**
     * How much of a message's body text the index holds, in UTF-16 code units after folding (128 Ki:
     * about 128 KB of ASCII text). Longer bodies are indexed in part; a search that finds nothing in
     * that part checks the message itself.
     */
    public static final int BODY_LIMIT = 128 * 1024;

    /** Stands in the index for what it cannot hold (NUL, a lone surrogate); a needle containing it is not looked up. */
    public static final char REPLACED = '\uFFFD';

    private MessageText() {}

    /** How SEARCH compares without regard to case: both the text and the needle lower-cased in the root locale. */
    public static String fold(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** A header field's value (its first occurrence, unfolded), encoded words decoded; null when absent. */
    public static String field(Map<String, String> fields, String name) {
        String value = fields.get(name.toLowerCase(Locale.ROOT));
        return value == null ? null : DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT);
    }

    /** An address field's value normalised: "name <local@domain> " for each address, comments and routes dropped. */
    public static String addresses(String decodedValue) {
        if (decodedValue == null) return null;
        StringBuilder sb = new StringBuilder();
        for (var mailbox : LenientAddressParser.DEFAULT.parseAddressList(decodedValue).flatten()) {
            sb.append(mailbox.getName() == null ? "" : mailbox.getName()).append(" <").append(mailbox.getAddress()).append("> ");
        }
        return sb.toString();
    }

    /** The whole header as it is stored, encoded words decoded (SEARCH TEXT looks in it). */
    public static String wholeHeader(byte[] message, long bodyStart) {
        return DecoderUtil.decodeEncodedWords(new String(message, 0, (int) bodyStart, StandardCharsets.UTF_8), DecodeMonitor.SILENT);
    }

    /** The text of every text/* part, transfer encoding and charset undone, each followed by a line break. */
    public static String body(byte[] message, MimePart root) {
        StringBuilder sb = new StringBuilder();
        collectText(message, root, sb);
        return sb.toString();
    }

    private static void collectText(byte[] message, MimePart part, StringBuilder sb) {
        if (part.isMultipart()) {
            part.parts().forEach(p -> collectText(message, p, sb));
        } else if (part.isMessage()) {
            collectText(message, part.message(), sb);
        } else if (part.type().equals("text")) {
            byte[] raw = Arrays.copyOfRange(message, (int) part.bodyStart(), (int) part.bodyEnd());
            try (InputStream in = switch (part.encoding()) {
                case "base64" -> new Base64InputStream(new ByteArrayInputStream(raw));
                case "quoted-printable" -> new QuotedPrintableInputStream(new ByteArrayInputStream(raw));
                default -> new ByteArrayInputStream(raw);
            }) {
                sb.append(new String(in.readAllBytes(), charset(part.params().get("charset")))).append('\n');
            } catch (IOException e) {
                sb.append(new String(raw, StandardCharsets.UTF_8));
            }
        }
    }

    private static Charset charset(String name) {
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * What the full-text index holds for one message, folded: one string per SEARCH key. An address
     * field holds its normalised addresses and its decoded value, as SEARCH FROM looks in both,
     * separated by a line break (a needle with a line break in it is not looked up there).
     * {@code complete} is false when the body was cut at {@link #BODY_LIMIT} or a character had to
     * be {@link #REPLACED}: a miss then does not prove the message does not match.
     */
    public record Indexed(String subject, String from, String to, String cc, String bcc, String header, String body, boolean complete) {}

    /** The index's text for a stored message and its parse. */
    public static Indexed indexed(byte[] message, ParsedMessage parsed) {
        long bodyStart = parsed.root().bodyStart();
        Map<String, String> fields = MessageParser.headerFields(message, 0, (int) bodyStart);
        var clean = new Cleaner();
        String body = fold(body(message, parsed.root()));
        boolean cut = body.length() > BODY_LIMIT;
        if (cut) {
            int end = BODY_LIMIT;
            if (Character.isHighSurrogate(body.charAt(end - 1))) end--; // never split a character
            body = body.substring(0, end);
        }
        var indexed = new Indexed(
                clean.of(foldOrEmpty(field(fields, "subject"))),
                clean.of(addressText(fields, "from")), clean.of(addressText(fields, "to")),
                clean.of(addressText(fields, "cc")), clean.of(addressText(fields, "bcc")),
                clean.of(fold(wholeHeader(message, bodyStart))), clean.of(body), !cut);
        return clean.replaced ? new Indexed(indexed.subject, indexed.from, indexed.to, indexed.cc, indexed.bcc, indexed.header, indexed.body, false) : indexed;
    }

    private static String addressText(Map<String, String> fields, String name) {
        String value = field(fields, name);
        if (value == null) return "";
        return fold(addresses(value)) + "\n" + fold(value);
    }

    private static String foldOrEmpty(String s) {
        return s == null ? "" : fold(s);
    }

    /** Whether the index can look {@code needle} up at all (it is not empty and holds no NUL, lone surrogate or replacement character). */
    public static boolean indexable(String needle) {
        return !needle.isEmpty() && needle.indexOf(0) < 0 && needle.indexOf(REPLACED) < 0 && !new Cleaner().hasLoneSurrogate(needle);
    }

    /** Replaces what neither database stores as text (NUL, a lone surrogate), remembering that it did. */
    private static final class Cleaner {
        boolean replaced;

        boolean hasLoneSurrogate(String s) {
            of(s.replace('\0', ' '));
            return replaced;
        }

        String of(String s) {
            StringBuilder sb = null;
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                boolean bad = ch == 0
                        || (Character.isHighSurrogate(ch) && (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))))
                        || (Character.isLowSurrogate(ch) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1))));
                if (bad && sb == null) {
                    sb = new StringBuilder(s.length());
                    sb.append(s, 0, i);
                }
                if (sb != null) sb.append(bad ? REPLACED : ch);
                if (bad) replaced = true;
            }
            return sb == null ? s : sb.toString();
        }
    }
}
