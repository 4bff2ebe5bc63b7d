package mailroom.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What an active Sieve script costs at delivery: over one LMTP connection to a store (whose 250
 * comes only once the message is filed), messages go alternately to an account without rules and
 * to one with an active script, so both see the same machine at the same moments. Prints the
 * median and mean time per delivery for each, and the difference. Bounded in count.
 *
 * <p>Usage: SieveBench host lmtpPort plainAccount filteredAccount messages
 */
public final class SieveBench {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String plain = args[2], filtered = args[3];
        int messages = Integer.parseInt(args[4]);
        long[][] times = new long[2][messages];
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            expect(in, "220");
            send(out, "LHLO bench.test");
            expect(in, "250 ");
            for (int warm = 0; warm < 200; warm++) deliver(in, out, warm % 2 == 0 ? plain : filtered, warm); // JIT and caches first
            for (int i = 0; i < messages; i++) {
                for (int which = 0; which < 2; which++) {
                    long start = System.nanoTime();
                    deliver(in, out, which == 0 ? plain : filtered, i);
                    times[which][i] = System.nanoTime() - start;
                }
            }
            send(out, "QUIT");
        }
        double plainMedian = median(times[0]), filteredMedian = median(times[1]);
        System.out.printf("%-28s median %7.3f ms   mean %7.3f ms%n", "no rules (" + plain + ")", plainMedian, mean(times[0]));
        System.out.printf("%-28s median %7.3f ms   mean %7.3f ms%n", "active script (" + filtered + ")", filteredMedian, mean(times[1]));
        System.out.printf("the script adds %.3f ms per delivery (median), %.3f ms (mean), over %d deliveries each%n",
                filteredMedian - plainMedian, mean(times[1]) - mean(times[0]), messages);
    }

    /** A message that matches none of the rules until the last, so every test of the script runs. */
    private static void deliver(InputStream in, OutputStream out, String to, int n) throws IOException {
        send(out, "MAIL FROM:<sender" + (n % 50) + "@remote.test>");
        expect(in, "250");
        send(out, "RCPT TO:<" + to + ">");
        expect(in, "250");
        send(out, "DATA");
        expect(in, "354");
        send(out, "From: Sender <sender" + (n % 50) + "@remote.test>\r\nTo: " + to + "\r\nSubject: report " + n
                + "\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <" + n + "." + to + "@remote.test>\r\n\r\n"
                + "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n".repeat(60) + ".");
        expect(in, "250");
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void expect(InputStream in, String prefix) throws IOException {
        while (true) {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("connection closed waiting for " + prefix);
                if (c != '\r') line.append((char) c);
            }
            if (line.length() > 3 && line.charAt(3) == '-') continue; // a continuation line
            if (!line.toString().startsWith(prefix)) throw new IOException("expected " + prefix + ", got " + line);
            return;
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    private static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }
}
