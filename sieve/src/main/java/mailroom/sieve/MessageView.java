package mailroom.sieve;

import mailroom.core.mime.MessageParser;
import mailroom.core.mime.MimePart;
import mailroom.core.mime.ParsedMessage;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A message as Sieve's tests see it: header fields in order, unfolded and with RFC 2047 encoded
 * words decoded (RFC 5228 section 2.7.2), the addresses in address headers, and the body's parts
 * decoded for the {@code body} test (RFC 5173).
 */
public final class MessageView {
    private final byte[] raw;
    private final ParsedMessage parsed;
    private final List<Field> fields;
    /** Decoded values and parsed addresses by lower-case field name: a script asks for the same fields again and again. */
    private final java.util.Map<String, List<String>> decoded = new java.util.HashMap<>();
    private final java.util.Map<String, List<List<String>>> parsedAddresses = new java.util.HashMap<>();
    private final java.util.Map<List<String>, List<String>> contents = new java.util.HashMap<>();

    /** One header field: its name as written and its unfolded raw value. */
    public record Field(String name, String value) {}

    public MessageView(byte[] raw) {
        this(raw, MessageParser.parse(raw));
    }

    public MessageView(byte[] raw, ParsedMessage parsed) {
        this.raw = raw;
        this.parsed = parsed;
        this.fields = fields(raw, 0, (int) parsed.root().bodyStart());
    }

    public long size() {
        return raw.length;
    }

    /** The decoded values of every field with this name (case-insensitive), in order. */
    public List<String> header(String name) {
        return decoded.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> {
            List<String> values = new ArrayList<>();
            for (Field f : fields) if (f.name().equalsIgnoreCase(n)) values.add(decode(f.value()));
            return List.copyOf(values);
        });
    }

    /** The undecoded values, for fields where encoded words are not text (Date). */
    public List<String> rawHeader(String name) {
        List<String> values = new ArrayList<>();
        for (Field f : fields) if (f.name().equalsIgnoreCase(name)) values.add(f.value().strip());
        return values;
    }

    /**
     * The addresses in each field with this name, field by field ({@code :index} counts fields).
     * Groups contribute their members; a field that does not parse contributes its text as one
     * "address" so that {@code :all} can still match it.
     */
    public List<List<String>> addresses(String name) {
        return parsedAddresses.computeIfAbsent(name.toLowerCase(Locale.ROOT), this::parseAddresses);
    }

    private List<List<String>> parseAddresses(String name) {
        List<List<String>> perField = new ArrayList<>();
        for (Field f : fields) {
            if (!f.name().equalsIgnoreCase(name)) continue;
            List<String> addresses = new ArrayList<>();
            try {
                for (Address a : LenientAddressParser.DEFAULT.parseAddressList(f.value())) {
                    if (a instanceof Mailbox m) addresses.add(address(m));
                    else if (a instanceof Group g) for (Mailbox m : g.getMailboxes()) addresses.add(address(m));
                }
            } catch (RuntimeException e) {
                addresses.add(f.value().strip());
            }
            perField.add(addresses);
        }
        return perField;
    }

    private static String address(Mailbox m) {
        return m.getDomain() == null || m.getDomain().isEmpty() ? m.getLocalPart() : m.getLocalPart() + "@" + m.getDomain();
    }

    /** Everything after the header, as stored (body :raw). */
    public String rawBody() {
        int start = (int) parsed.root().bodyStart();
        return new String(raw, start, raw.length - start, StandardCharsets.UTF_8);
    }

    /**
     * The decoded contents of the leaf parts whose type matches one of {@code types} (body
     * :content): "" matches every part, "text" every text/*, "text/html" just that.
     */
    public List<String> content(List<String> types) {
        return contents.computeIfAbsent(List.copyOf(types), t -> {
            List<String> texts = new ArrayList<>();
            collect(parsed.root(), t, texts);
            return List.copyOf(texts);
        });
    }

    private void collect(MimePart part, List<String> types, List<String> texts) {
        if (part.isMultipart()) {
            for (MimePart child : part.parts()) collect(child, types, texts);
            return;
        }
        String type = part.type() + "/" + part.subtype();
        for (String wanted : types) {
            String w = wanted.toLowerCase(Locale.ROOT);
            if (w.isEmpty() || w.equals(part.type()) || w.equals(type)) {
                texts.add(decodedBody(part));
                return;
            }
        }
        if (part.isMessage()) collect(part.message(), types, texts);
    }

    private String decodedBody(MimePart part) {
        InputStream body = new ByteArrayInputStream(raw, (int) part.bodyStart(), (int) part.bodySize());
        String encoding = part.encoding() == null ? "" : part.encoding().toLowerCase(Locale.ROOT);
        try (InputStream in = switch (encoding) {
            case "base64" -> new Base64InputStream(body, DecodeMonitor.SILENT);
            case "quoted-printable" -> new QuotedPrintableInputStream(body, DecodeMonitor.SILENT);
            default -> body;
        }) {
            return new String(in.readAllBytes(), charset(part));
        } catch (IOException e) {
            return "";
        }
    }

    private static Charset charset(MimePart part) {
        String name = part.params().get("charset");
        try {
            return name == null ? StandardCharsets.US_ASCII : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    private static String decode(String value) {
        return DecoderUtil.decodeEncodedWords(value.strip(), DecodeMonitor.SILENT);
    }

    /** The header fields in order, continuation lines joined (the CRLF before them dropped). */
    private static List<Field> fields(byte[] m, int start, int end) {
        String header = new String(m, start, end - start, StandardCharsets.UTF_8);
        List<Field> fields = new ArrayList<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : header.split("\r?\n")) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (name != null) value.append(line);
                continue;
            }
            if (name != null) fields.add(new Field(name, value.toString()));
            int colon = line.indexOf(':');
            name = colon > 0 ? line.substring(0, colon).strip() : null;
            value.setLength(0);
            if (colon > 0) value.append(line, colon + 1, line.length());
        }
        if (name != null) fields.add(new Field(name, value.toString()));
        return fields;
    }
}
