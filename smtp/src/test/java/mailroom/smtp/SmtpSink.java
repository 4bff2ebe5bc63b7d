package mailroom.smtp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throw-away SMTP server for tests of outbound delivery: records each message with its envelope,
 * and answers RCPT for chosen addresses with chosen replies (a 4xx a set number of times, or a 5xx).
 */
final class SmtpSink implements AutoCloseable {
    record Received(String sender, List<String> recipients, String data, boolean tls) {}

    final List<Received> messages = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> refusalsLeft = new ConcurrentHashMap<>();
    private final ServerSocket server;

    SmtpSink(String bindAddress) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    /** Answers RCPT for {@code address} with {@code reply}, {@code times} times (then accepts it). */
    SmtpSink refuse(String address, String reply, int times) {
        refusals.put(address, reply);
        refusalsLeft.put(address, new AtomicInteger(times));
        return this;
    }

    private void serve(Socket socket) {
        try (socket) {
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            send(out, "220 sink.test ESMTP");
            String sender = null;
            List<String> recipients = new ArrayList<>();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO")) {
                    send(out, "250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 DSN");
                } else if (upper.startsWith("MAIL FROM:")) {
                    sender = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    recipients.clear();
                    send(out, "250 2.1.0 ok");
                } else if (upper.startsWith("RCPT TO:")) {
                    String address = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    var left = refusalsLeft.get(address);
                    if (left != null && left.getAndDecrement() > 0) {
                        send(out, refusals.get(address));
                    } else {
                        recipients.add(address);
                        send(out, "250 2.1.5 ok");
                    }
                } else if (upper.equals("DATA")) {
                    send(out, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    for (String l = in.readLine(); l != null && !l.equals("."); l = in.readLine()) {
                        data.append(l.startsWith(".") ? l.substring(1) : l).append("\r\n");
                    }
                    messages.add(new Received(sender, List.copyOf(recipients), data.toString(), false));
                    send(out, "250 2.0.0 queued at the sink");
                } else if (upper.equals("QUIT")) {
                    send(out, "221 bye");
                    return;
                } else {
                    send(out, "250 ok");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
