package mailroom.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A line-at-a-time client for IMAP, POP3 and SMTP alike, for tests that drive several nodes. */
record LineClient(Socket socket, BufferedReader in, OutputStream out) implements AutoCloseable {
    static LineClient connect(String address, int port) throws IOException {
        var socket = new Socket(address, port);
        socket.setSoTimeout(10_000);
        return new LineClient(socket, new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)), socket.getOutputStream());
    }

    void send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads lines until one starts with {@code prefix}, and returns it. */
    String await(String prefix) throws IOException {
        for (String line; (line = in.readLine()) != null; ) if (line.startsWith(prefix)) return line;
        throw new IOException("connection closed before " + prefix);
    }

    /** One message through an SMTP server, answered 250 at the end of DATA. */
    static void sendMail(String address, int port, String from, String to, String subject) throws IOException {
        String reply = transaction(address, port, from, to, "Subject: " + subject + "\r\n\r\n" + subject);
        if (!reply.startsWith("250 ")) throw new IOException("not accepted: " + reply);
    }

    /** One SMTP transaction with {@code message} (header and body, without the final dot); returns the reply to the end of DATA. */
    static String transaction(String address, int port, String from, String to, String message) throws IOException {
        try (var smtp = connect(address, port)) {
            smtp.await("220 ");
            smtp.send("EHLO test.example");
            smtp.await("250 ");
            smtp.send("MAIL FROM:<" + from + ">");
            smtp.await("250 ");
            smtp.send("RCPT TO:<" + to + ">");
            smtp.await("250 ");
            smtp.send("DATA");
            smtp.await("354 ");
            smtp.send(message + "\r\n.");
            String reply = smtp.await("");
            smtp.send("QUIT");
            return reply;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
