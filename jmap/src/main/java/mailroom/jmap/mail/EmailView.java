package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.mime.MimePart;
import mailroom.core.mime.ParsedMessage;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/** An Email's properties (RFC 8621 section 4.1) from its stored structure and, when they are asked for, its bytes. */
final class EmailView {
    static final List<String> DEFAULT = List.of("id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt",
            "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject", "sentAt",
            "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments");
    static final Set<String> KNOWN = new LinkedHashSet<>(List.of("id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt",
            "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject", "sentAt",
            "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments", "headers", "bodyStructure"));
    static final List<String> DEFAULT_BODY = List.of("partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language", "location");
    static final Set<String> KNOWN_BODY = Set.of("partId", "blobId", "size", "headers", "name", "type", "charset", "disposition", "cid",
            "language", "location", "subParts");

    /** The body arguments of Email/get and Email/parse. */
    record BodyOptions(List<String> properties, boolean text, boolean html, boolean all, long maxBytes) {
        static BodyOptions of(ObjectNode args) {
            List<String> props = DEFAULT_BODY;
            if (args.path("bodyProperties").isArray()) {
                props = new ArrayList<>();
                for (JsonNode n : args.get("bodyProperties")) {
                    if (!KNOWN_BODY.contains(n.asText()) && !n.asText().startsWith("header:")) throw MethodError.invalidArguments("unknown body property " + n.asText());
                    props.add(n.asText());
                }
            }
            return new BodyOptions(props, Standard.bool(args, "fetchTextBodyValues"), Standard.bool(args, "fetchHTMLBodyValues"),
                    Standard.bool(args, "fetchAllBodyValues"), Standard.unsigned(args, "maxBodyValueBytes", 0));
        }
    }

    /** A part with its JMAP part id (IMAP section numbering; null for multiparts). */
    record Part(String partId, MimePart mime, List<Part> children) {
        String type() {
            return mime.type() + "/" + mime.subtype();
        }

        String name() {
            String n = mime.dispositionParams() == null ? null : mime.dispositionParams().get("filename");
            if (n == null) n = mime.params().get("name");
            return n == null ? null : Content.text(n);
        }
    }

    static Part tree(MimePart root) {
        return root.isMultipart() ? new Part(null, root, children(root, "")) : new Part("1", root, List.of());
    }

    private static List<Part> children(MimePart multipart, String prefix) {
        List<Part> out = new ArrayList<>();
        for (int i = 0; i < multipart.parts().size(); i++) {
            MimePart p = multipart.parts().get(i);
            String id = prefix + (i + 1);
            out.add(p.isMultipart() ? new Part(null, p, children(p, id + ".")) : new Part(id, p, List.of()));
        }
        return out;
    }

    /** textBody, htmlBody and attachments, by the algorithm of RFC 8621 section 4.1.4. */
    record Bodies(List<Part> text, List<Part> html, List<Part> attachments) {
        static Bodies of(Part root) {
            Bodies b = new Bodies(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            if (root.partId() != null) walk(List.of(root), "mixed", false, b.text, b.html, b.attachments);
            else walk(root.children(), root.mime().subtype(), root.mime().subtype().equals("alternative"), b.text, b.html, b.attachments);
            return b;
        }

        private static boolean inlineMedia(String type) {
            return type.startsWith("image/") || type.startsWith("audio/") || type.startsWith("video/");
        }

        private static void walk(List<Part> parts, String multipartType, boolean inAlternative, List<Part> text, List<Part> html, List<Part> attachments) {
            int textLength = text == null ? -1 : text.size();
            int htmlLength = html == null ? -1 : html.size();
            for (int i = 0; i < parts.size(); i++) {
                Part part = parts.get(i);
                String type = part.type();
                boolean isInline = !"attachment".equalsIgnoreCase(part.mime().disposition())
                        && (type.equals("text/plain") || type.equals("text/html") || inlineMedia(type))
                        && (i == 0 || (!multipartType.equals("related") && (inlineMedia(type) || part.name() == null)));
                if (part.partId() == null) {
                    String sub = part.mime().subtype();
                    walk(part.children(), sub, inAlternative || sub.equals("alternative"), text, html, attachments);
                } else if (isInline) {
                    if (multipartType.equals("alternative")) {
                        switch (type) {
                            case "text/plain" -> { if (text != null) text.add(part); }
                            case "text/html" -> { if (html != null) html.add(part); }
                            default -> attachments.add(part);
                        }
                        continue;
                    }
                    List<Part> t = text, h = html;
                    if (inAlternative) {
                        if (type.equals("text/plain")) h = null;
                        if (type.equals("text/html")) t = null;
                    }
                    if (t != null) t.add(part);
                    if (h != null) h.add(part);
                    if ((t == null || h == null) && inlineMedia(type)) attachments.add(part);
                } else {
                    attachments.add(part);
                }
            }
            if (multipartType.equals("alternative") && text != null && html != null) {
                if (textLength == text.size() && htmlLength != html.size()) text.addAll(html.subList(htmlLength, html.size()));
                else if (htmlLength == html.size() && textLength != text.size()) html.addAll(text.subList(textLength, text.size()));
            }
        }
    }

    private final Function<Part, String> blobIdOf;

    /** {@code blobIdOf} names a part's bytes for download: they depend on where the message is kept. */
    EmailView(Function<Part, String> blobIdOf) {
        this.blobIdOf = blobIdOf;
    }

    /** The message-level properties; {@code content} is read only when a property needs the bytes. */
    void render(ObjectNode o, ParsedMessage parsed, Supplier<Content> content, Set<String> properties, BodyOptions body) {
        Part root = tree(parsed.root());
        Bodies bodies = null;
        for (String p : properties) {
            if (p.startsWith("header:")) {
                if (!Content.knownForm(p)) throw MethodError.invalidArguments("unknown header property " + p);
                o.set(p, content.get().header(parsed.root(), p));
                continue;
            }
            if (Set.of("textBody", "htmlBody", "attachments", "hasAttachment", "preview", "bodyValues").contains(p) && bodies == null) bodies = Bodies.of(root);
            switch (p) {
                case "messageId" -> o.set(p, content.get().header(parsed.root(), "header:Message-ID:asMessageIds"));
                case "inReplyTo" -> o.set(p, content.get().header(parsed.root(), "header:In-Reply-To:asMessageIds"));
                case "references" -> o.set(p, content.get().header(parsed.root(), "header:References:asMessageIds"));
                case "sender", "from", "to", "cc", "bcc" -> o.set(p, content.get().header(parsed.root(), "header:" + p + ":asAddresses"));
                case "replyTo" -> o.set(p, content.get().header(parsed.root(), "header:Reply-To:asAddresses"));
                case "subject" -> o.set(p, content.get().header(parsed.root(), "header:Subject:asText"));
                case "sentAt" -> o.set(p, content.get().header(parsed.root(), "header:Date:asDate"));
                case "headers" -> o.set(p, headers(content.get(), parsed.root()));
                case "bodyStructure" -> o.set(p, part(root, content, withSubParts(body.properties())));
                case "textBody" -> o.set(p, parts(bodies.text(), content, body.properties()));
                case "htmlBody" -> o.set(p, parts(bodies.html(), content, body.properties()));
                case "attachments" -> o.set(p, parts(bodies.attachments(), content, body.properties()));
                case "hasAttachment" -> o.put(p, !bodies.attachments().isEmpty());
                case "preview" -> o.put(p, preview(bodies, content.get()));
                case "bodyValues" -> o.set(p, values(bodies, root, content.get(), body));
                default -> { }
            }
        }
    }

    /** RFC 8621 section 4.1.4: the tree of bodyStructure always has its subParts. */
    private static List<String> withSubParts(List<String> props) {
        if (props.contains("subParts")) return props;
        List<String> out = new ArrayList<>(props);
        out.add("subParts");
        return out;
    }

    private static ArrayNode headers(Content content, MimePart part) {
        ArrayNode a = Json.array();
        content.fields(part).forEach(f -> a.add(Json.object().put("name", f.name()).put("value", f.raw())));
        return a;
    }

    private ArrayNode parts(List<Part> parts, Supplier<Content> content, List<String> props) {
        ArrayNode a = Json.array();
        parts.forEach(p -> a.add(part(p, content, props)));
        return a;
    }

    private ObjectNode part(Part part, Supplier<Content> content, List<String> props) {
        ObjectNode o = Json.object();
        MimePart m = part.mime();
        for (String p : props) {
            if (p.startsWith("header:")) {
                o.set(p, content.get().header(m, p));
                continue;
            }
            switch (p) {
                case "partId" -> o.put(p, part.partId());
                case "blobId" -> o.put(p, part.partId() == null ? null : blobIdOf.apply(part));
                case "size" -> o.put(p, part.partId() == null ? 0 : decodedSize(m));
                case "headers" -> o.set(p, headers(content.get(), m));
                case "name" -> o.put(p, part.name());
                case "type" -> o.put(p, part.type());
                case "charset" -> o.put(p, m.type().equals("text") ? m.params().getOrDefault("charset", "us-ascii") : m.params().get("charset"));
                case "disposition" -> o.put(p, m.disposition() == null ? null : m.disposition().toLowerCase(Locale.ROOT));
                case "cid" -> o.put(p, m.id() == null ? null : m.id().replaceAll("^\\s*<|>\\s*$", ""));
                case "language" -> o.set(p, m.language() == null || m.language().isEmpty() ? null : Json.array(m.language()));
                case "location" -> o.put(p, m.location());
                case "subParts" -> {
                    if (part.partId() == null) o.set(p, parts(part.children(), content, props));
                }
                default -> { }
            }
        }
        return o;
    }

    /** The decoded size: exact for identity encodings, computed from the encoded length for base64. */
    static long decodedSize(MimePart m) {
        if (m.encoding() != null && m.encoding().equalsIgnoreCase("base64")) {
            long lines = Math.max(1, m.bodySize() / 78);
            return Math.max(0, (m.bodySize() - 2 * lines) * 3 / 4);
        }
        return m.bodySize();
    }

    private static String preview(Bodies bodies, Content content) {
        List<Part> from = bodies.text().isEmpty() ? bodies.html() : bodies.text();
        for (Part p : from) {
            if (!p.mime().type().equals("text")) continue;
            String t = content.text(p.mime());
            if (p.mime().subtype().equals("html")) t = t.replaceAll("(?s)<(script|style)[^>]*>.*?</\\1>", " ").replaceAll("<[^>]*>", " ");
            t = t.replaceAll("\\s+", " ").strip();
            return t.length() > 256 ? t.substring(0, 256) : t;
        }
        return "";
    }

    private static ObjectNode values(Bodies bodies, Part root, Supplier<Content> content, BodyOptions opts) {
        return values(bodies, root, content.get(), opts);
    }

    private static ObjectNode values(Bodies bodies, Part root, Content content, BodyOptions opts) {
        List<Part> wanted = new ArrayList<>();
        if (opts.all()) collect(root, wanted);
        else {
            if (opts.text()) wanted.addAll(bodies.text());
            if (opts.html()) wanted.addAll(bodies.html());
        }
        ObjectNode o = Json.object();
        for (Part p : wanted) {
            if (!p.mime().type().equals("text") || o.has(p.partId())) continue;
            String value = content.text(p.mime());
            boolean truncated = false;
            if (opts.maxBytes() > 0 && value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > opts.maxBytes()) {
                value = truncate(value, (int) opts.maxBytes());
                truncated = true;
            }
            o.set(p.partId(), Json.object().put("value", value).put("isEncodingProblem", !Content.knownCharset(p.mime())).put("isTruncated", truncated));
        }
        return o;
    }

    private static void collect(Part p, List<Part> out) {
        if (p.partId() != null) out.add(p);
        p.children().forEach(c -> collect(c, out));
    }

    /** At most {@code max} UTF-8 bytes, never cutting a character in two. */
    private static String truncate(String s, int max) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > max) break;
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    static Part find(Part p, String partId) {
        if (partId.equals(p.partId())) return p;
        for (Part c : p.children()) {
            Part f = find(c, partId);
            if (f != null) return f;
        }
        return null;
    }
}
