package mailroom.core.mime;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MessageParserTest {
    private static final String NESTED = """
            From: "Alice Example" <alice@example.test>\r
            To: bob@example.test, Friends: carol@example.test, dave@example.test;\r
            Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r
            Date: Mon, 2 Nov 2026 10:00:00 +0000\r
            Message-ID: <m1@example.test>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed;\r
             boundary="outer"\r
            \r
            preamble\r
            --outer\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Hello\r
            there\r
            --outer\r
            Content-Type: message/rfc822\r
            Content-Disposition: attachment; filename="fwd.eml"\r
            \r
            From: carol@example.test\r
            Subject: inner\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/plain\r
            \r
            plain\r
            --inner\r
            Content-Type: text/html\r
            \r
            <p>html</p>\r
            --inner--\r
            --outer--\r
            epilogue\r
            """;

    private static String slice(byte[] m, long from, long to) {
        return new String(m, (int) from, (int) (to - from), StandardCharsets.UTF_8);
    }

    @Test
    void recordsTheMimeTreeWithByteOffsets() {
        byte[] m = NESTED.getBytes(StandardCharsets.UTF_8);
        ParsedMessage parsed = MessageParser.parse(m);
        MimePart root = parsed.root();
        assertThat(parsed.size()).isEqualTo(m.length);
        assertThat(root.type() + "/" + root.subtype()).isEqualTo("multipart/mixed");
        assertThat(root.params()).containsEntry("boundary", "outer");
        assertThat(root.parts()).hasSize(2);

        MimePart text = root.parts().get(0);
        assertThat(text.params()).containsEntry("charset", "utf-8");
        assertThat(slice(m, text.bodyStart(), text.bodyEnd())).isEqualTo("Hello\r\nthere");
        assertThat(slice(m, text.headerStart(), text.bodyStart())).isEqualTo("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        assertThat(text.lines()).isEqualTo(2);

        MimePart forwarded = root.parts().get(1);
        assertThat(forwarded.isMessage()).isTrue();
        assertThat(forwarded.disposition()).isEqualTo("attachment");
        assertThat(forwarded.dispositionParams()).containsEntry("filename", "fwd.eml");
        assertThat(forwarded.envelope().subject()).isEqualTo("inner");
        MimePart alternative = forwarded.message();
        assertThat(alternative.parts()).extracting(MimePart::subtype).containsExactly("plain", "html");
        assertThat(slice(m, alternative.parts().get(1).bodyStart(), alternative.parts().get(1).bodyEnd())).isEqualTo("<p>html</p>");
        assertThat(alternative.parts().get(0).params()).containsEntry("charset", "us-ascii");
    }

    @Test
    void recordsTheEnvelopeIncludingGroups() {
        Envelope e = MessageParser.parse(NESTED.getBytes(StandardCharsets.UTF_8)).envelope();
        assertThat(e.subject()).isEqualTo("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=");
        assertThat(e.messageId()).isEqualTo("<m1@example.test>");
        assertThat(e.from()).containsExactly(new Envelope.EnvelopeAddress("Alice Example", null, "alice", "example.test"));
        assertThat(e.sender()).isEqualTo(e.from());
        assertThat(e.replyTo()).isEqualTo(e.from());
        assertThat(e.to()).containsExactly(
                new Envelope.EnvelopeAddress(null, null, "bob", "example.test"),
                new Envelope.EnvelopeAddress(null, null, "Friends", null),
                new Envelope.EnvelopeAddress(null, null, "carol", "example.test"),
                new Envelope.EnvelopeAddress(null, null, "dave", "example.test"),
                new Envelope.EnvelopeAddress(null, null, null, null));
        assertThat(e.cc()).isEmpty();
        assertThat(e.inReplyTo()).isNull();
    }

    @Test
    void toleratesBrokenAndBareMessages() {
        var noBody = MessageParser.parse("Subject: only a header\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(noBody.root().bodySize()).isZero();
        var unterminated = MessageParser.parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\npart without end\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(unterminated.root().parts()).hasSize(1);
        var noBoundary = MessageParser.parse("Content-Type: multipart/mixed\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(noBoundary.root().parts()).isEmpty();
        var bareLf = MessageParser.parse("Subject: lf\n\nbody\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(bareLf.root().bodyStart()).isEqualTo(13);
        assertThat(bareLf.envelope().subject()).isEqualTo("lf");
    }
}
