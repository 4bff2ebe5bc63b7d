package mailroom.core.mime;

import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.field.ContentDispositionField;
import org.apache.james.mime4j.dom.field.ContentLanguageField;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.field.ParsedField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.field.address.LenientAddressParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses a message once, at delivery, into what IMAP needs later. The grammar of header fields
 * (Content-Type parameters, address lists, encoded words) is mime4j's; this class only walks the
 * MIME tree to record byte offsets, which mime4j's streaming parser does not expose.
 *
 * <p>It is lenient, as a mail store must be: whatever arrives was accepted and must be fetchable.
 * A broken multipart becomes a part with no children rather than an error.
 */
public final class MessageParser {
    private static final int MAX_DEPTH = 50;

    private MessageParser() {}

    public static ParsedMessage parse(byte[] message) {
        try {
            var parsed = parsePart(message, 0, message.length, "text", "plain", 0);
            var fields = headerFields(message, 0, (int) parsed.bodyStart());
            return new ParsedMessage(message.length, envelopeOf(fields), parsed, fields.get("references"));
        } catch (RuntimeException e) {
            // Never lose accepted mail to a parser corner: file it as one plain part, as-is.
            int bodyStart = headerEnd(message, 0, message.length);
            var part = new MimePart(0, bodyStart, message.length, "text", "plain", Map.of("charset", "us-ascii"), null, null, "7bit",
                    countLines(message, bodyStart, message.length), null, null, Map.of(), List.of(), null, List.of(), null, null);
            var empty = new Envelope(null, null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, null);
            return new ParsedMessage(message.length, empty, part);
        }
    }

    private static MimePart parsePart(byte[] m, int start, int end, String defaultType, String defaultSubtype, int depth) {
        int bodyStart = headerEnd(m, start, end);
        Map<String, String> fields = headerFields(m, start, bodyStart);

        String type = defaultType, subtype = defaultSubtype;
        Map<String, String> params = Map.of();
        String contentType = fields.get("content-type");
        if (contentType != null) {
            var field = (ContentTypeField) field("Content-Type", contentType);
            if (field.getMediaType() != null && !field.getMediaType().isEmpty() && field.getSubType() != null && !field.getSubType().isEmpty()) {
                type = field.getMediaType().toLowerCase(Locale.ROOT);
                subtype = field.getSubType().toLowerCase(Locale.ROOT);
            }
            params = new LinkedHashMap<>(field.getParameters());
        }
        if (type.equals("text") && !params.containsKey("charset")) {
            params = new LinkedHashMap<>(params);
            params.put("charset", "us-ascii");
        }

        String disposition = null;
        Map<String, String> dispositionParams = Map.of();
        if (fields.containsKey("content-disposition")) {
            var field = (ContentDispositionField) field("Content-Disposition", fields.get("content-disposition"));
            if (field.getDispositionType() != null && !field.getDispositionType().isEmpty()) {
                disposition = field.getDispositionType().toLowerCase(Locale.ROOT);
                dispositionParams = new LinkedHashMap<>(field.getParameters());
            }
        }
        List<String> language = List.of();
        if (fields.containsKey("content-language")) {
            var field = (ContentLanguageField) field("Content-Language", fields.get("content-language"));
            language = List.copyOf(field.getLanguages());
        }
        String encoding = fields.getOrDefault("content-transfer-encoding", "7bit").trim().toLowerCase(Locale.ROOT);

        List<MimePart> children = List.of();
        Envelope innerEnvelope = null;
        MimePart inner = null;
        if (depth < MAX_DEPTH) {
            if (type.equals("multipart") && params.get("boundary") != null) {
                boolean digest = subtype.equals("digest");
                children = new ArrayList<>();
                for (int[] range : splitMultipart(m, bodyStart, end, params.get("boundary"))) {
                    children.add(parsePart(m, range[0], range[1], digest ? "message" : "text", digest ? "rfc822" : "plain", depth + 1));
                }
            } else if (type.equals("message") && (subtype.equals("rfc822") || subtype.equals("global"))
                    && !encoding.equals("base64") && !encoding.equals("quoted-printable")) {
                inner = parsePart(m, bodyStart, end, "text", "plain", depth + 1);
                innerEnvelope = envelopeOf(headerFields(m, bodyStart, (int) inner.bodyStart()));
            }
        }
        return new MimePart(start, bodyStart, end, type, subtype, params,
                fields.get("content-id"), fields.get("content-description"), encoding, countLines(m, bodyStart, end),
                fields.get("content-md5"), disposition, dispositionParams, language, fields.get("content-location"),
                children, innerEnvelope, inner);
    }

    /** One header field parsed by mime4j's lenient parser, which never throws on bad syntax. */
    private static ParsedField field(String name, String value) {
        // A stray CR inside a field (bare CR is not a line break) would make mime4j refuse the field.
        String clean = value.replace('\r', ' ').replace('\n', ' ');
        return LenientFieldParser.getParser().parse(new RawField(name, clean), DecodeMonitor.SILENT);
    }

    /** Offset just past the blank line ending the header at {@code start}; {@code end} if there is none. */
    static int headerEnd(byte[] m, int start, int end) {
        int i = start;
        // A part whose very first line is empty has an empty header.
        if (i < end && m[i] == '\n') return i + 1;
        if (i + 1 < end && m[i] == '\r' && m[i + 1] == '\n') return i + 2;
        while (i < end) {
            if (m[i] == '\n') {
                if (i + 1 < end && m[i + 1] == '\n') return i + 2;
                if (i + 2 < end && m[i + 1] == '\r' && m[i + 2] == '\n') return i + 3;
            }
            i++;
        }
        return end;
    }

    /** The header's fields, unfolded, keyed by lower-case name; the first occurrence wins. */
    public static Map<String, String> headerFields(byte[] m, int start, int end) {
        String header = new String(m, start, end - start, StandardCharsets.UTF_8);
        Map<String, String> fields = new LinkedHashMap<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : header.split("\r?\n")) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (name != null) value.append(line);
                continue;
            }
            if (name != null) fields.putIfAbsent(name, value.toString().replace('\r', ' ').trim());
            int colon = line.indexOf(':');
            if (colon > 0) {
                name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                value.setLength(0);
                value.append(line, colon + 1, line.length());
            } else {
                name = null;
            }
        }
        if (name != null) fields.putIfAbsent(name, value.toString().replace('\r', ' ').trim());
        return fields;
    }

    /**
     * The byte ranges of a multipart body's parts (RFC 2046 section 5.1.1): each starts after a
     * delimiter line and ends before the line break that precedes the next delimiter.
     */
    static List<int[]> splitMultipart(byte[] m, int start, int end, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<int[]> parts = new ArrayList<>();
        int partStart = -1;
        int line = start;
        while (line < end) {
            int next = line;
            while (next < end && m[next] != '\n') next++;
            int lineEnd = next; // exclusive, at '\n' or end
            next = Math.min(next + 1, end);
            if (startsWith(m, line, lineEnd, delimiter)) {
                int after = line + delimiter.length;
                boolean close = after + 1 < lineEnd && m[after] == '-' && m[after + 1] == '-';
                if (close) after += 2;
                if (onlyWhitespace(m, after, lineEnd)) {
                    if (partStart >= 0) parts.add(new int[]{partStart, precedingBreak(m, partStart, line)});
                    if (close) return parts;
                    partStart = next;
                }
            }
            line = next;
        }
        if (partStart >= 0) parts.add(new int[]{partStart, end}); // no close delimiter: take the rest
        return parts;
    }

    private static int precedingBreak(byte[] m, int partStart, int delimiterLine) {
        int e = delimiterLine;
        if (e > partStart && m[e - 1] == '\n') e--;
        if (e > partStart && m[e - 1] == '\r') e--;
        return e;
    }

    private static boolean startsWith(byte[] m, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (m[from + i] != prefix[i]) return false;
        return true;
    }

    private static boolean onlyWhitespace(byte[] m, int from, int to) {
        for (int i = from; i < to; i++) if (m[i] != ' ' && m[i] != '\t' && m[i] != '\r') return false;
        return true;
    }

    private static long countLines(byte[] m, int start, int end) {
        long lines = 0;
        for (int i = start; i < end; i++) if (m[i] == '\n') lines++;
        if (end > start && m[end - 1] != '\n') lines++;
        return lines;
    }

    static Envelope envelopeOf(Map<String, String> f) {
        List<Envelope.EnvelopeAddress> from = addresses(f.get("from"));
        // Absent or empty Sender and Reply-To take From's value (RFC 3501 section 7.4.2).
        List<Envelope.EnvelopeAddress> sender = addresses(f.get("sender"));
        List<Envelope.EnvelopeAddress> replyTo = addresses(f.get("reply-to"));
        if (sender.isEmpty()) sender = from;
        if (replyTo.isEmpty()) replyTo = from;
        return new Envelope(f.get("date"), f.get("subject"), from, sender, replyTo,
                addresses(f.get("to")), addresses(f.get("cc")), addresses(f.get("bcc")),
                f.get("in-reply-to"), f.get("message-id"));
    }

    /** "user@domain (Real Name)": the old form of a display name, in a comment (RFC 5322 section 4.4). */
    private static final java.util.regex.Pattern COMMENT_NAME = java.util.regex.Pattern.compile("^\\s*[^\\s<>(),]+@[^\\s<>(),]+\\s*\\((.+)\\)\\s*$");

    private static List<Envelope.EnvelopeAddress> addresses(String value) {
        if (value == null || value.isBlank()) return List.of();
        var commentName = COMMENT_NAME.matcher(value);
        if (commentName.matches()) {
            var parsed = LenientAddressParser.DEFAULT.parseAddressList(value).flatten();
            if (parsed.size() == 1 && parsed.get(0).getName() == null) {
                var m = parsed.get(0);
                return List.of(new Envelope.EnvelopeAddress(commentName.group(1).strip(), null, m.getLocalPart(), m.getDomain()));
            }
        }
        List<Envelope.EnvelopeAddress> out = new ArrayList<>();
        for (Address address : LenientAddressParser.DEFAULT.parseAddressList(value)) {
            if (address instanceof Mailbox mailbox) {
                out.add(of(mailbox));
            } else if (address instanceof Group group) {
                out.add(new Envelope.EnvelopeAddress(null, null, group.getName(), null));
                for (Mailbox member : group.getMailboxes()) out.add(of(member));
                out.add(new Envelope.EnvelopeAddress(null, null, null, null));
            }
        }
        return out;
    }

    private static Envelope.EnvelopeAddress of(Mailbox mailbox) {
        String route = mailbox.getRoute() == null || mailbox.getRoute().isEmpty() ? null : mailbox.getRoute().toRouteString();
        return new Envelope.EnvelopeAddress(mailbox.getName(), route, mailbox.getLocalPart(), mailbox.getDomain());
    }

}
