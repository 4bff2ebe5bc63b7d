package mailroom.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** POP3 (and SMTP reply) helpers for the harness: count a mailbox, download it whole. */
final class Pop3 {
    private Pop3() {}

    static int stat(String host, int port, String user, String password) throws IOException {
        try (var socket = new Socket(host, port)) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            expect(in, "+OK");
            out.write(("USER " + user + "\r\nPASS " + password + "\r\nSTAT\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            expect(in, "+OK");
            expect(in, "+OK");
            return Integer.parseInt(expect(in, "+OK").split(" ")[1]);
        }
    }

    /** RETRs every message in one session, one command at a time; returns how many. */
    static long download(int port, String user, String password) throws IOException {
        try (var socket = new Socket(Compare.HOST, port)) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            expect(in, "+OK");
            out.write(("USER " + user + "\r\nPASS " + password + "\r\nSTAT\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "+OK");
            expect(in, "+OK");
            int count = Integer.parseInt(expect(in, "+OK").split(" ")[1]);
            byte[] buffer = new byte[64 * 1024];
            for (int i = 1; i <= count; i++) {
                out.write(("RETR " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, "+OK");
                skipMultiline(in, buffer);
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return count;
        }
    }

    private static final byte[] END = {'\r', '\n', '.', '\r', '\n'};

    /**
     * Reads a multi-line response body up to its terminating CRLF "." CRLF, in bulk: reading it byte by
     * byte made the client, not the server, the limit (about 7,000 messages of 4 KB a second).
     */
    static void skipMultiline(InputStream in, byte[] buffer) throws IOException {
        int matched = 2; // the status line ended with CRLF, so a lone "." line ends an empty body
        while (true) {
            int n = in.read(buffer);
            if (n < 0) throw new IOException("connection closed");
            for (int i = 0; i < n; i++) {
                byte b = buffer[i];
                if (b == END[matched]) {
                    if (++matched == END.length) {
                        if (i != n - 1) throw new IOException("data after the end of a response");
                        return;
                    }
                } else {
                    matched = b == '\r' ? 1 : 0;
                }
            }
        }
    }

    /** Reads one reply (skipping SMTP continuation lines) and checks how it starts. */
    static String expect(InputStream in, String prefix) throws IOException {
        String line = readLine(in);
        while (line.length() > 3 && line.charAt(3) == '-') line = readLine(in);
        if (!line.startsWith(prefix)) throw new IOException("expected " + prefix + ", got: " + line);
        return line;
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new IOException("connection closed");
            if (b != '\r') sb.append((char) b);
        }
        return sb.toString();
    }
}
