package mailroom.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Load against a running node over real sockets: N parallel SMTP sessions deliver messages of a given
 * size to one local account (messages/s accepted, per-message latency), then one POP3 session
 * downloads the whole mailbox (messages/s). Bounded in count; prints the figures and the settings.
 *
 * <p>Usage: SmtpPop3Bench host smtpPort pop3Port user password clients messages size
 */
public final class SmtpPop3Bench {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int smtpPort = Integer.parseInt(args[1]), pop3Port = Integer.parseInt(args[2]);
        String user = args[3], password = args[4];
        int clients = Integer.parseInt(args[5]), messages = Integer.parseInt(args[6]), size = Integer.parseInt(args[7]);

        byte[] body = body(size);
        int perClient = messages / clients;
        long[] latencies = new long[perClient * clients];
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    smtpClient(host, smtpPort, user, body, perClient, latencies, client * perClient);
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("SMTP client failed: " + e.getCause(), e.getCause());
        }
        double smtpSeconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        int sent = latencies.length;
        System.out.printf("SMTP intake: %d messages of %d bytes, %d parallel sessions, fsync on: %.0f messages/s"
                        + " (latency per message p50 %.1f ms, p99 %.1f ms)%n",
                sent, size, clients, sent / smtpSeconds, latencies[sent / 2] / 1e6, latencies[(int) (sent * 0.99)] / 1e6);

        // Accepted is queued; the queue then files each message. Wait until all are in the INBOX.
        long deadline = System.nanoTime() + 120_000_000_000L;
        int inInbox = 0;
        while (System.nanoTime() < deadline && (inInbox = Pop3.stat(host, pop3Port, user, password)) < sent) Thread.sleep(20);
        double endToEnd = (System.nanoTime() - start) / 1e9;
        System.out.printf("Queue: %d of %d messages in the INBOX %.2f s after the first was sent: %.0f messages/s from SMTP to INBOX%n",
                inInbox, sent, endToEnd, inInbox / endToEnd);

        start = System.nanoTime();
        long[] downloaded = pop3Download(host, pop3Port, user, password);
        double popSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("POP3 download: %d messages (%.1f MB) in one session: %.0f messages/s, %.1f MB/s%n",
                downloaded[0], downloaded[1] / 1e6, downloaded[0] / popSeconds, downloaded[1] / 1e6 / popSeconds);
    }

    private static byte[] body(int size) {
        StringBuilder sb = new StringBuilder("Subject: benchmark\r\nFrom: bench@remote.test\r\n\r\n");
        while (sb.length() < size - 80) sb.append("The quick brown fox jumps over the lazy dog, again and again and again.\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void smtpClient(String host, int port, String user, byte[] body, int count, long[] latencies, int offset) throws IOException {
        try (var socket = new Socket(host, port)) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            Pop3.expect(in, "220");
            out.write("EHLO bench.test\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Pop3.expect(in, "250");
            byte[] envelope = ("MAIL FROM:<bench@remote.test>\r\nRCPT TO:<" + user + ">\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                out.write(envelope); // pipelined (RFC 2920)
                out.flush();
                Pop3.expect(in, "250");
                Pop3.expect(in, "250");
                Pop3.expect(in, "354");
                out.write(body);
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Pop3.expect(in, "250");
                latencies[offset + i] = System.nanoTime() - t0;
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** Returns {messages, bytes}. */
    private static long[] pop3Download(String host, int port, String user, String password) throws IOException {
        try (var socket = new Socket(host, port)) {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            Pop3.expect(in, "+OK");
            out.write(("USER " + user + "\r\nPASS " + password + "\r\nSTAT\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Pop3.expect(in, "+OK");
            Pop3.expect(in, "+OK");
            int count = Integer.parseInt(Pop3.expect(in, "+OK").split(" ")[1]);
            long bytes = 0;
            for (int i = 1; i <= count; i++) {
                out.write(("RETR " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Pop3.expect(in, "+OK");
                for (String line = Pop3.readLine(in); !line.equals("."); line = Pop3.readLine(in)) bytes += line.length() + 2;
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new long[]{count, bytes};
        }
    }
}
