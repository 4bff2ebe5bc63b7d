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
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            expect(in, "+OK");
            out.write(("USER " + user + "\r\nPASS " + password + "\r\nSTAT\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "+OK");
            expect(in, "+OK");
            int count = Integer.parseInt(expect(in, "+OK").split(" ")[1]);
            for (int i = 1; i <= count; i++) {
                out.write(("RETR " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, "+OK");
                for (String line = readLine(in); !line.equals("."); line = readLine(in)) {
                    // the message
                }
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return count;
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
