package mailroom.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;

/**
 * The POP3 wire format with no sockets: command lines, and multi-line responses with dot-stuffing
 * and the terminating ".", as in RFC 1939 section 3.
 */
public final class Pop3Codec {
    private Pop3Codec() {}

    public record Command(String keyword, String argument) {}

    public static Command parseCommand(String line) {
        String trimmed = line.strip();
        int space = trimmed.indexOf(' ');
        return space < 0
                ? new Command(trimmed.toUpperCase(Locale.ROOT), "")
                : new Command(trimmed.substring(0, space).toUpperCase(Locale.ROOT), trimmed.substring(space + 1).strip());
    }

    /**
     * Copies a message as a multi-line response body: lines starting with "." get another ".", the
     * last line is completed with CRLF, and ".CRLF" ends the response. With {@code bodyLines >= 0}
     * only the header, the blank line and that many body lines are sent (TOP).
     */
    public static void writeMessage(InputStream in, OutputStream out, long bodyLines) throws IOException {
        byte[] buf = new byte[16 * 1024]; // most messages fit; a larger buffer per RETR only costs zeroing
        boolean atLineStart = true, inBody = false, lineEmpty = true;
        long bodyLinesLeft = bodyLines;
        boolean sentAny = false; // not a "previous byte" sentinel: byte 0xFF read as -1 would look like none
        int n;
        outer:
        while ((n = in.read(buf)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (atLineStart) {
                    if (inBody && bodyLines >= 0 && bodyLinesLeft-- <= 0) {
                        out.write(buf, from, i - from);
                        from = i;
                        break outer;
                    }
                    if (b == '.') {
                        out.write(buf, from, i - from);
                        out.write('.');
                        from = i;
                    }
                    atLineStart = false;
                    lineEmpty = true;
                }
                if (b == '\n') {
                    if (!inBody && lineEmpty) inBody = true; // the blank line ending the header
                    atLineStart = true;
                } else if (b != '\r') {
                    lineEmpty = false;
                }
                sentAny = true;
            }
            out.write(buf, from, n - from);
        }
        if (!atLineStart && sentAny) out.write(new byte[]{'\r', '\n'});
        out.write(new byte[]{'.', '\r', '\n'});
    }
}
