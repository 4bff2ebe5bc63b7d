package mailroom.imap;

import mailroom.core.mime.Envelope;
import mailroom.core.mime.MimePart;
import mailroom.imap.codec.ImapWriter;
import org.apache.james.mime4j.codec.EncoderUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders the stored parse of a message as IMAP's ENVELOPE and BODYSTRUCTURE (RFC 3501 section
 * 7.4.2): nothing is parsed again here.
 */
final class BodyRenderer {
    private final boolean utf8;

    BodyRenderer(boolean utf8) {
        this.utf8 = utf8;
    }

    private String nstring(String s) {
        return ImapWriter.nstring(s, utf8);
    }

    private String string(String s) {
        return ImapWriter.string(s, utf8);
    }

    String envelope(Envelope e) {
        return "(" + nstring(e.date()) + " " + nstring(e.subject()) + " " + addresses(e.from()) + " " + addresses(e.sender())
                + " " + addresses(e.replyTo()) + " " + addresses(e.to()) + " " + addresses(e.cc()) + " " + addresses(e.bcc())
                + " " + nstring(e.inReplyTo()) + " " + nstring(e.messageId()) + ")";
    }

    private String addresses(List<Envelope.EnvelopeAddress> list) {
        if (list == null || list.isEmpty()) return "NIL";
        StringBuilder sb = new StringBuilder("(");
        for (var a : list) {
            sb.append('(').append(nstring(displayName(a.name()))).append(' ').append(nstring(a.route())).append(' ')
                    .append(nstring(a.mailbox())).append(' ').append(nstring(a.host())).append(')');
        }
        return sb.append(')').toString();
    }

    /** mime4j decoded the name; a client that did not enable UTF-8 gets it back as an RFC 2047 encoded word. */
    private String displayName(String name) {
        if (name == null || utf8 || name.chars().allMatch(c -> c < 128)) return name;
        return EncoderUtil.encodeEncodedWord(name, EncoderUtil.Usage.TEXT_TOKEN);
    }

    /** BODYSTRUCTURE when {@code extensible}, BODY otherwise. */
    String body(MimePart p, boolean extensible) {
        if (p.isMultipart()) {
            StringBuilder sb = new StringBuilder("(");
            if (p.parts().isEmpty()) sb.append("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
            for (MimePart child : p.parts()) sb.append(body(child, extensible));
            sb.append(' ').append(string(p.subtype()));
            if (extensible) {
                sb.append(' ').append(params(p.params())).append(' ').append(disposition(p)).append(' ')
                        .append(language(p.language())).append(' ').append(nstring(p.location()));
            }
            return sb.append(')').toString();
        }
        StringBuilder sb = new StringBuilder("(");
        sb.append(string(p.type())).append(' ').append(string(p.subtype())).append(' ').append(params(p.params())).append(' ')
                .append(nstring(p.id())).append(' ').append(nstring(p.description())).append(' ')
                .append(string(p.encoding())).append(' ').append(p.bodySize());
        if (p.isMessage()) {
            sb.append(' ').append(envelope(p.envelope())).append(' ').append(body(p.message(), extensible)).append(' ').append(p.lines());
        } else if (p.type().equals("text")) {
            sb.append(' ').append(p.lines());
        }
        if (extensible) {
            sb.append(' ').append(nstring(p.md5())).append(' ').append(disposition(p)).append(' ')
                    .append(language(p.language())).append(' ').append(nstring(p.location()));
        }
        return sb.append(')').toString();
    }

    private String params(Map<String, String> params) {
        if (params == null || params.isEmpty()) return "NIL";
        List<String> items = new ArrayList<>();
        params.forEach((k, v) -> {
            items.add(string(k));
            items.add(string(v));
        });
        return ImapWriter.list(items);
    }

    private String disposition(MimePart p) {
        return p.disposition() == null ? "NIL" : "(" + string(p.disposition()) + " " + params(p.dispositionParams()) + ")";
    }

    private String language(List<String> language) {
        if (language == null || language.isEmpty()) return "NIL";
        return ImapWriter.list(language.stream().map(this::string).toList());
    }
}
