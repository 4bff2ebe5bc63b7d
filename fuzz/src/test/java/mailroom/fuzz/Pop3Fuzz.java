package mailroom.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.core.net.Connection;
import mailroom.core.net.LineTooLongException;
import mailroom.pop3.Pop3Codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * POP3: command lines as the session reads them (RFC 2449's 255 octets), and the multi-line
 * response writer: whatever a message holds, the client must get it back byte for byte after
 * removing the dot-stuffing, and must never see the terminating "." early.
 */
public final class Pop3Fuzz {
    private Pop3Fuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) throws IOException {
        byte[] commands = data.consumeBytes(data.consumeInt(0, 2000));
        int top = data.consumeInt(-1, 20);
        byte[] message = data.consumeRemainingAsBytes();

        try (var c = new Connection(new MemorySocket(commands), "fuzz")) {
            while (true) {
                byte[] raw;
                try {
                    raw = c.readLine(255);
                } catch (LineTooLongException e) {
                    continue;
                }
                if (raw == null) break;
                Pop3Codec.Command cmd = Pop3Codec.parseCommand(new String(raw, StandardCharsets.UTF_8));
                if (!cmd.argument().equals(cmd.argument().strip())) throw new AssertionError("argument not stripped");
            }
        }

        var out = new ByteArrayOutputStream();
        Pop3Codec.writeMessage(new ByteArrayInputStream(message), out, -1);
        byte[] sent = out.toByteArray();
        byte[] expected = message.length == 0 || message[message.length - 1] == '\n'
                ? message : concat(message, new byte[] {'\r', '\n'});
        byte[] got = unstuff(sent);
        if (!Arrays.equals(got, expected)) throw new AssertionError("RETR does not round-trip");

        out.reset();
        Pop3Codec.writeMessage(new ByteArrayInputStream(message), out, top);
        unstuff(out.toByteArray()); // TOP: at least well terminated
    }

    /** What a client reads: lines up to the first "." line, one leading dot removed. */
    private static byte[] unstuff(byte[] sent) {
        var body = new ByteArrayOutputStream();
        int start = 0;
        while (start < sent.length) {
            int end = start;
            while (end < sent.length && sent[end] != '\n') end++;
            if (end == sent.length) throw new AssertionError("response not terminated by a line break");
            int lineLength = end + 1 - start;
            if (lineLength == 3 && sent[start] == '.' && sent[start + 1] == '\r') {
                if (end + 1 != sent.length) throw new AssertionError("\".\" line before the end of the response");
                return body.toByteArray();
            }
            int skip = sent[start] == '.' ? 1 : 0;
            body.write(sent, start + skip, lineLength - skip);
            start = end + 1;
        }
        throw new AssertionError("no terminating \".\"");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
