package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.james.mime4j.codec.EncoderUtil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;

/**
 * Writes the RFC 5322 message of an Email/set create (RFC 8621 section 4.6): the header from the
 * convenience properties and "header:" properties, the body from textBody/htmlBody with their
 * bodyValues, and attachments by blobId. Text goes out as UTF-8 quoted-printable or base64, so
 * the result is 7-bit whatever the client sent.
 */
final class Composer {
    private final String hostname;
    private final Function<String, Blobs.Blob> blobs;

    /** {@code blobs} finds the bytes of an attachment's blobId (null when the account cannot read it). */
    Composer(String hostname, Function<String, Blobs.Blob> blobs) {
        this.hostname = hostname;
        this.blobs = blobs;
    }

    static final class Invalid extends RuntimeException {
        final String property;

        Invalid(String property, String message) {
            super(message, null, false, false);
            this.property = property;
        }
    }

    byte[] compose(JsonNode email) {
        StringBuilder h = new StringBuilder();
        addresses(h, "From", email.get("from"));
        addresses(h, "Sender", email.get("sender"));
        addresses(h, "To", email.get("to"));
        addresses(h, "Cc", email.get("cc"));
        addresses(h, "Bcc", email.get("bcc"));
        addresses(h, "Reply-To", email.get("replyTo"));
        if (email.path("subject").isTextual()) h.append("Subject: ").append(encode(email.get("subject").asText(), 9)).append("\r\n");
        ZonedDateTime date = email.path("sentAt").isTextual() ? ZonedDateTime.parse(email.get("sentAt").asText()) : ZonedDateTime.now();
        h.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(date)).append("\r\n");
        List<String> ids = ids(email.get("messageId"));
        h.append("Message-ID: <").append(ids.isEmpty() ? UUID.randomUUID() + "@" + hostname : ids.get(0)).append(">\r\n");
        idList(h, "In-Reply-To", email.get("inReplyTo"));
        idList(h, "References", email.get("references"));
        for (var e : email.properties()) {
            if (!e.getKey().startsWith("header:")) continue;
            String[] p = e.getKey().split(":");
            if (p.length != 2 && !(p.length == 3 && p[2].equals("asRaw")) && !(p.length == 3 && p[2].equals("asText"))) {
                throw new Invalid(e.getKey(), "only header:Name, :asRaw and :asText can be set");
            }
            if (p[1].equalsIgnoreCase("Content-Type") || p[1].equalsIgnoreCase("Content-Transfer-Encoding")) throw new Invalid(e.getKey(), "the server writes " + p[1]);
            String v = e.getValue().asText();
            h.append(p[1]).append(":").append(p.length == 3 && p[2].equals("asText") ? " " + encode(v, p[1].length() + 2) : v).append("\r\n");
        }
        h.append("MIME-Version: 1.0\r\n");
        String body = body(email);
        return (h + body).getBytes(StandardCharsets.UTF_8);
    }

    private String body(JsonNode email) {
        JsonNode values = email.path("bodyValues");
        List<String> alternatives = new ArrayList<>();
        if (email.path("bodyStructure").isObject()) throw new Invalid("bodyStructure", "give textBody, htmlBody and attachments instead");
        for (String kind : List.of("textBody", "htmlBody")) {
            JsonNode parts = email.path(kind);
            if (parts.isMissingNode() || parts.isNull()) continue;
            if (!parts.isArray() || parts.size() != 1) throw new Invalid(kind, kind + " holds exactly one part");
            JsonNode part = parts.get(0);
            String partId = part.path("partId").asText(null);
            if (partId == null || !values.path(partId).path("value").isTextual()) throw new Invalid(kind, "the part needs a partId with a bodyValue");
            String type = part.path("type").asText(kind.equals("textBody") ? "text/plain" : "text/html");
            alternatives.add(textPart(type, values.get(partId).get("value").asText()));
        }
        if (alternatives.isEmpty()) alternatives.add(textPart("text/plain", ""));
        String main = alternatives.size() == 1 ? alternatives.get(0) : multipart("alternative", alternatives);
        JsonNode attachments = email.path("attachments");
        if (!attachments.isArray() || attachments.isEmpty()) return main;
        List<String> parts = new ArrayList<>(List.of(main));
        for (JsonNode a : attachments) parts.add(attachment(a));
        return multipart("mixed", parts);
    }

    private static String textPart(String type, String text) {
        String normal = text.replace("\r\n", "\n").replace("\n", "\r\n");
        String encoded = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(normal.getBytes(StandardCharsets.UTF_8));
        return "Content-Type: " + type + "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded + "\r\n";
    }

    private String attachment(JsonNode a) {
        String blobId = a.path("blobId").asText(null);
        Blobs.Blob blob = blobId == null ? null : blobs.apply(blobId);
        if (blob == null) throw new Invalid("attachments", "no blob " + blobId);
        String type = a.path("type").asText("application/octet-stream").toLowerCase(Locale.ROOT);
        if (!type.matches("[a-z0-9.+-]+/[a-z0-9.+-]+")) throw new Invalid("attachments", "not a media type: " + type);
        String name = a.path("name").asText(null);
        String disposition = a.path("disposition").asText("attachment");
        StringBuilder p = new StringBuilder("Content-Type: ").append(type);
        if (name != null) p.append("; name=\"").append(EncoderUtil.encodeEncodedWord(name, EncoderUtil.Usage.TEXT_TOKEN).replace("\"", "")).append('"');
        p.append("\r\nContent-Disposition: ").append(disposition.equals("inline") ? "inline" : "attachment");
        if (name != null) p.append("; filename=\"").append(EncoderUtil.encodeEncodedWord(name, EncoderUtil.Usage.TEXT_TOKEN).replace("\"", "")).append('"');
        if (a.path("cid").isTextual()) p.append("\r\nContent-ID: <").append(a.get("cid").asText()).append('>');
        p.append("\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        p.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(blob.bytes())).append("\r\n");
        return p.toString();
    }

    private static String multipart(String subtype, List<String> parts) {
        String boundary = "=_mailroom_" + UUID.randomUUID().toString().replace("-", "");
        var out = new StringBuilder("Content-Type: multipart/").append(subtype).append("; boundary=\"").append(boundary).append("\"\r\n\r\n");
        for (String p : parts) out.append("--").append(boundary).append("\r\n").append(p);
        return out.append("--").append(boundary).append("--\r\n").toString();
    }

    private static String encode(String text, int used) {
        return EncoderUtil.hasToBeEncoded(text, used) ? EncoderUtil.encodeEncodedWord(text, EncoderUtil.Usage.TEXT_TOKEN) : text;
    }

    private static void addresses(StringBuilder h, String field, JsonNode list) {
        if (list == null || list.isNull()) return;
        if (!list.isArray()) throw new Invalid(field, field + " is a list of addresses");
        List<String> out = new ArrayList<>();
        for (JsonNode a : list) {
            String email = a.path("email").asText("");
            if (!email.matches("[^@\\s<>\"]+@[^@\\s<>\"]+")) throw new Invalid(field, "not an address: " + email);
            String name = a.path("name").asText(null);
            out.add(name == null || name.isBlank() ? email : EncoderUtil.encodeAddressDisplayName(name) + " <" + email + ">");
        }
        if (!out.isEmpty()) h.append(field).append(": ").append(String.join(", ", out)).append("\r\n");
    }

    private static List<String> ids(JsonNode list) {
        List<String> out = new ArrayList<>();
        if (list != null && list.isArray()) list.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void idList(StringBuilder h, String field, JsonNode list) {
        List<String> ids = ids(list);
        if (!ids.isEmpty()) h.append(field).append(": ").append(String.join(" ", ids.stream().map(i -> "<" + i + ">").toList())).append("\r\n");
    }

    static byte[] concat(byte[] a, byte[] b) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
