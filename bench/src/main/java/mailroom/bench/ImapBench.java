package mailroom.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * IMAP at scale against a running node: fills one mailbox by pipelined APPENDs, then times SELECT
 * and FETCH 1:* (UID FLAGS) on it (medians of several runs), then holds many connections in IDLE
 * (on a small folder) for the caller to measure the server's heap. Bounded in count; prints each figure.
 *
 * <p>Usage: ImapBench host port user password messages idleConnections
 */
public final class ImapBench {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String user = args[2], password = args[3];
        int messages = Integer.parseInt(args[4]), idle = Integer.parseInt(args[5]);

        long t0 = System.nanoTime();
        fill(host, port, user, password, messages);
        System.out.printf("APPEND: %d messages in %.1f s%n", messages, (System.nanoTime() - t0) / 1e9);

        try (var c = new ImapClient(host, port)) {
            c.command("LOGIN " + user + " " + password);
            double[] select = new double[5], fetch = new double[5];
            long bytes = 0;
            for (int i = 0; i < 5; i++) {
                long s = System.nanoTime();
                c.command("SELECT INBOX");
                select[i] = (System.nanoTime() - s) / 1e6;
                s = System.nanoTime();
                bytes = c.command("FETCH 1:* (UID FLAGS)");
                fetch[i] = (System.nanoTime() - s) / 1e6;
            }
            System.out.printf("SELECT of %d messages: median %.0f ms; FETCH 1:* (UID FLAGS): median %.0f ms (%d KB of responses)%n",
                    messages, Compare.median(select), Compare.median(fetch), bytes / 1024);
        }

        if (idle > 0) {
            var harness = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            System.out.println("BASELINE"); // the harness measures the server's heap without our connections
            System.out.flush();
            harness.readLine();
            List<ImapClient> clients = new ArrayList<>();
            long s = System.nanoTime();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ImapClient>> opened = new ArrayList<>();
                for (int i = 0; i < idle; i++) {
                    opened.add(pool.submit(() -> {
                        var c = new ImapClient(host, port);
                        c.command("LOGIN " + user + " " + password);
                        // Another folder: 10,000 SELECTs of a 100,000-message INBOX would time the listing, not IDLE.
                        c.command("SELECT Drafts");
                        c.startIdle();
                        return c;
                    }));
                }
                for (var f : opened) clients.add(f.get());
            }
            System.out.printf("IDLE: %d connections logged in, selected and idling after %.1f s%n", clients.size(), (System.nanoTime() - s) / 1e9);
            System.out.println("READY"); // the harness measures the server's heap now
            System.out.flush();
            harness.readLine(); // until the harness says to go on
            for (ImapClient c : clients) c.close();
        }
    }

    /** The message that fills the scale test's large mailbox. */
    static final byte[] BIG_MESSAGE = ("From: bench@example.test\r\nSubject: message for the scale test\r\n\r\n" + "x".repeat(800) + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** Eight sessions appending with LITERAL+ (no round trip per message). */
    static void fill(String host, int port, String user, String password, int messages) throws Exception {
        int sessions = 8;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                int count = messages / sessions + (s < messages % sessions ? 1 : 0);
                done.add(pool.submit(() -> {
                    try (var c = new ImapClient(host, port)) {
                        c.command("LOGIN " + user + " " + password);
                        int batch = 100;
                        for (int i = 0; i < count; i += batch) {
                            int n = Math.min(batch, count - i);
                            for (int k = 0; k < n; k++) c.append(BIG_MESSAGE);
                            for (int k = 0; k < n; k++) c.awaitTagged();
                        }
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
    }
}
