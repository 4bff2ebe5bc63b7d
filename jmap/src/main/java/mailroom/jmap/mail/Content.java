package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import mailroom.core.mime.MimePart;
import mailroom.jmap.core.Json;
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
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message's bytes read the ways RFC 8621 section 4.1 asks: header fields in their parsed forms
 * (asRaw, asText, asAddresses, asGroupedAddresses, asMessageIds, asDate, asURLs) and part bodies
 * with their transfer encoding and charset undone. Parts are found by the offsets stored at
 * delivery, so nothing is parsed twice.
 */
public final class Content {
    /** One header field as it appears: name as written, value after the colon, not unfolded. */
    public record Field(String name, String raw) {}

    private final byte[] message;

    public Content(byte[] message) {
        this.message = message;
    }

    public byte[] bytes() {
        return message;
    }

    /** The fields of the part's header in order. */
    public List<Field> fields(MimePart part) {
        String header = new String(message, (int) part.headerStart(), (int) (part.bodyStart() - part.headerStart()), StandardCharsets.UTF_8);
        List<Field> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : header.split("(?<=\n)")) {
            if (line.isBlank()) break;
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append(line);
                continue;
            }
            if (current != null) out.add(field(current.toString()));
            current = new StringBuilder(line);
        }
        if (current != null) out.add(field(current.toString()));
        return out.stream().filter(f -> f != null).toList();
    }

    private static Field field(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) return null;
        String raw = text.substring(colon + 1);
        if (raw.endsWith("\r\n")) raw = raw.substring(0, raw.length() - 2);
        else if (raw.endsWith("\n")) raw = raw.substring(0, raw.length() - 1);
        return new Field(text.substring(0, colon).strip(), raw);
    }

    /** "header:Name:asForm:all" (RFC 8621 section 4.1.3) for one part; null when the form is unknown. */
    public JsonNode header(MimePart part, String property) {
        String[] p = property.split(":");
        if (p.length < 2 || p.length > 4) return null;
        boolean all = p[p.length - 1].equals("all");
        String form = p.length > 2 && !p[2].equals("all") ? p[2] : "asRaw";
        List<String> values = fields(part).stream().filter(f -> f.name().equalsIgnoreCase(p[1])).map(Field::raw).toList();
        if (all) {
            ArrayNode a = Json.array();
            for (String v : values) a.add(parse(form, v));
            return a;
        }
        return values.isEmpty() ? NullNode.getInstance() : parse(form, values.get(values.size() - 1));
    }

    /** The value of a field in one parsed form. */
    public static JsonNode parse(String form, String raw) {
        return switch (form) {
            case "asRaw" -> TextNode.valueOf(raw);
            case "asText" -> TextNode.valueOf(text(raw));
            case "asAddresses" -> addresses(raw);
            case "asGroupedAddresses" -> grouped(raw);
            case "asMessageIds" -> messageIds(raw);
            case "asDate" -> date(raw);
            case "asURLs" -> urls(raw);
            default -> throw new IllegalArgumentException("no header form " + form);
        };
    }

    static boolean knownForm(String property) {
        String[] p = property.split(":");
        if (p.length < 2 || p.length > 4 || p[1].isEmpty()) return false;
        if (p.length == 2) return true;
        if (p.length == 3) return p[2].equals("all") || List.of("asRaw", "asText", "asAddresses", "asGroupedAddresses", "asMessageIds", "asDate", "asURLs").contains(p[2]);
        return p[3].equals("all") && knownForm(p[0] + ":" + p[1] + ":" + p[2]);
    }

    static String unfold(String raw) {
        return raw.replaceAll("\r?\n(?=[ \t])", "");
    }

    static String text(String raw) {
        return DecoderUtil.decodeEncodedWords(unfold(raw).strip(), DecodeMonitor.SILENT);
    }

    static ArrayNode addresses(String raw) {
        ArrayNode out = Json.array();
        for (Address a : LenientAddressParser.DEFAULT.parseAddressList(unfold(raw))) {
            if (a instanceof Mailbox m) out.add(address(m));
            else if (a instanceof Group g) g.getMailboxes().forEach(m -> out.add(address(m)));
        }
        return out;
    }

    private static JsonNode address(Mailbox m) {
        String name = m.getName() == null ? null : DecoderUtil.decodeEncodedWords(m.getName(), DecodeMonitor.SILENT);
        return Json.object().put("name", name == null || name.isEmpty() ? null : name).put("email", m.getAddress());
    }

    static ArrayNode grouped(String raw) {
        ArrayNode out = Json.array();
        ArrayNode loose = null;
        for (Address a : LenientAddressParser.DEFAULT.parseAddressList(unfold(raw))) {
            if (a instanceof Group g) {
                loose = null;
                var group = Json.object().put("name", g.getName());
                ArrayNode members = group.putArray("addresses");
                g.getMailboxes().forEach(m -> members.add(address(m)));
                out.add(group);
            } else if (a instanceof Mailbox m) {
                if (loose == null) {
                    var group = Json.object().putNull("name");
                    loose = group.putArray("addresses");
                    out.add(group);
                }
                loose.add(address(m));
            }
        }
        return out;
    }

    private static final Pattern ANGLE = Pattern.compile("<([^<>\\s]+)>");

    static JsonNode messageIds(String raw) {
        ArrayNode out = Json.array();
        Matcher m = ANGLE.matcher(unfold(raw));
        while (m.find()) if (m.group(1).contains("@")) out.add(m.group(1));
        return out.isEmpty() ? NullNode.getInstance() : out;
    }

    static JsonNode urls(String raw) {
        ArrayNode out = Json.array();
        Matcher m = ANGLE.matcher(unfold(raw));
        while (m.find()) out.add(m.group(1));
        return out.isEmpty() ? NullNode.getInstance() : out;
    }

    static JsonNode date(String raw) {
        String v = unfold(raw).replaceAll("\\([^)]*\\)", " ").replaceAll("\\s+", " ").strip();
        try {
            return TextNode.valueOf(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toOffsetDateTime().toString());
        } catch (RuntimeException e) {
            return NullNode.getInstance();
        }
    }

    /** The part's body with its Content-Transfer-Encoding undone. */
    public byte[] decoded(MimePart part) {
        InputStream in = new ByteArrayInputStream(message, (int) part.bodyStart(), (int) part.bodySize());
        String cte = part.encoding() == null ? "" : part.encoding().toLowerCase(Locale.ROOT);
        try (InputStream d = switch (cte) {
            case "base64" -> new Base64InputStream(in, DecodeMonitor.SILENT);
            case "quoted-printable" -> new QuotedPrintableInputStream(in, DecodeMonitor.SILENT);
            default -> in;
        }) {
            return d.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A text part as a string in its charset (UTF-8 when unnamed or unknown). */
    public String text(MimePart part) {
        return new String(decoded(part), charset(part));
    }

    static Charset charset(MimePart part) {
        String name = part.params().get("charset");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Whether the charset is one Java can decode (isEncodingProblem otherwise). */
    static boolean knownCharset(MimePart part) {
        String name = part.params().get("charset");
        try {
            return name == null || Charset.isSupported(name);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
