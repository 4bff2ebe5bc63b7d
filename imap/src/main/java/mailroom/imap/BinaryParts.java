package mailroom.imap;

import mailroom.core.mime.MimePart;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * BINARY APPEND (RFC 3516 section 4.4): parts that arrive with Content-Transfer-Encoding "binary"
 * are stored base64-encoded, so BODY[] stays mail-safe for every client; BINARY[] decodes them back.
 */
final class BinaryParts {
    private static final Pattern CTE = Pattern.compile("(?im)^content-transfer-encoding:[^\\r\\n]*(\\r?\\n[ \\t][^\\r\\n]*)*");

    private BinaryParts() {}

    /** The message with every binary leaf part re-encoded as base64; the input itself when there is none. */
    static byte[] encode(byte[] message, MimePart root) {
        List<MimePart> binary = new ArrayList<>();
        collect(root, binary);
        if (binary.isEmpty()) return message;
        var out = new ByteArrayOutputStream(message.length * 4 / 3 + 256);
        int pos = 0;
        for (MimePart part : binary) {
            out.write(message, pos, (int) part.headerStart() - pos);
            String header = new String(message, (int) part.headerStart(), (int) (part.bodyStart() - part.headerStart()), StandardCharsets.ISO_8859_1);
            out.writeBytes(CTE.matcher(header).replaceFirst("Content-Transfer-Encoding: base64").getBytes(StandardCharsets.ISO_8859_1));
            byte[] body = java.util.Arrays.copyOfRange(message, (int) part.bodyStart(), (int) part.bodyEnd());
            out.writeBytes(Base64.getMimeEncoder().encode(body));
            if (part.bodyEnd() == message.length) out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            pos = (int) part.bodyEnd();
        }
        out.write(message, pos, message.length - pos);
        return out.toByteArray();
    }

    private static void collect(MimePart part, List<MimePart> binary) {
        if (part.isMultipart()) part.parts().forEach(p -> collect(p, binary));
        else if (part.isMessage()) collect(part.message(), binary);
        else if (part.encoding().equals("binary")) binary.add(part);
    }
}
