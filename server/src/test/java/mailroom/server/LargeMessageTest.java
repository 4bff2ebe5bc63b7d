package mailroom.server;

import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A 10 MB message of 8-bit text goes in over SMTP and comes out of POP3 byte for byte, behind our trace headers. */
class LargeMessageTest {
    @TempDir
    Path dir;

    /** ~10 MB of CRLF lines holding every byte value except CR and LF, some lines starting with a dot. */
    private static byte[] eightBitMessage() {
        var random = new Random(42);
        var out = new ByteArrayOutputStream();
        out.writeBytes("Subject: ten megabytes\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        while (out.size() < 10 * 1024 * 1024) {
            byte[] line = new byte[1 + random.nextInt(900)];
            for (int i = 0; i < line.length; i++) {
                byte b;
                do b = (byte) random.nextInt(256); while (b == '\r' || b == '\n');
                line[i] = b;
            }
            if (random.nextInt(20) == 0) line[0] = '.';
            out.writeBytes(line);
            out.writeBytes(new byte[]{'\r', '\n'});
        }
        return out.toByteArray();
    }

    /** Dot-stuffs for SMTP DATA (RFC 5321 section 4.5.2). */
    private static byte[] stuffed(byte[] message) {
        var out = new ByteArrayOutputStream(message.length + 1024);
        boolean lineStart = true;
        for (byte b : message) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    @Test
    void tenMegabytesOfEightBitRoundTripExactly() throws Exception {
        byte[] original = eightBitMessage();
        try (var node = new TestNode(dir.resolve("var"))) {
            new mailroom.storage.Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            try (var t = new Transcript("127.0.0.1", node.smtp())) {
                t.play("""
                        S: 220
                        C: EHLO client.test
                        S: 250
                        C: MAIL FROM:<big@remote.test> BODY=8BITMIME SIZE=%d
                        S: 250
                        C: RCPT TO:<alice@example.test>
                        S: 250
                        C: DATA
                        S: 354
                        """.formatted(original.length));
                t.sendRaw(stuffed(original));
                t.send(".").expect("250 2.0.0");
            }
            node.awaitDelivered();

            byte[] retrieved = retrieve(node.pop3(), "alice", "alice-password");
            int bodyAt = indexOf(retrieved, "Subject: ten megabytes".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(retrieved, 0, bodyAt, StandardCharsets.US_ASCII)).startsWith("Return-Path: <big@remote.test>\r\nReceived: ");
            assertThat(Arrays.equals(retrieved, bodyAt, retrieved.length, original, 0, original.length))
                    .as("message after the trace headers is byte-exact").isTrue();
        }
    }

    /** RETR 1 over a raw socket, undoing the dot-stuffing. */
    private static byte[] retrieve(int port, String user, String password) throws Exception {
        try (var socket = new Socket("127.0.0.1", port)) {
            var out = socket.getOutputStream();
            out.write(("USER " + user + "\r\nPASS " + password + "\r\nRETR 1\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < 4; i++) assertThat(new String(readLine(in), StandardCharsets.US_ASCII)).startsWith("+OK"); // greeting, USER, PASS, RETR
            var message = new ByteArrayOutputStream();
            while (true) {
                byte[] line = readLine(in);
                if (line.length == 1 && line[0] == '.') break;
                int from = line.length > 0 && line[0] == '.' ? 1 : 0;
                message.write(line, from, line.length - from);
                message.writeBytes(new byte[]{'\r', '\n'});
            }
            return message.toByteArray();
        }
    }

    private static byte[] readLine(InputStream in) throws Exception {
        var line = new ByteArrayOutputStream();
        int b, prev = -1;
        while ((b = in.read()) >= 0) {
            if (b == '\n' && prev == '\r') {
                byte[] bytes = line.toByteArray();
                return Arrays.copyOf(bytes, bytes.length - 1);
            }
            line.write(b);
            prev = b;
        }
        throw new java.io.EOFException();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
