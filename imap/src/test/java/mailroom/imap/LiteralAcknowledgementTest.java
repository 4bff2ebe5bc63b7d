package mailroom.imap;

import mailroom.core.config.Config;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that sends an APPEND's literal and its closing CRLF in two writes, as Python's imaplib
 * and imaptest do, with Nagle's algorithm on (the default), holds the CRLF until the server's TCP
 * stack acknowledges the literal. Linux delays that acknowledgement by up to 40 ms when it expects
 * to answer with data, so every such APPEND used to take 40 ms longer than one sent in one write.
 * The server now asks for the acknowledgement at once after each read (TCP_QUICKACK).
 */
class LiteralAcknowledgementTest extends ImapTestServer {
    private static final String ADDRESS = "127.0.27.1";
    private static final int ROUNDS = 15;

    @Override
    void configure(Config config) {
        config.node.bind = ADDRESS;
    }

    @Test
    void anAppendWhoseClosingLineComesInASecondWriteIsNotHeldUp() throws Exception {
        byte[] message = (FIRST + "x".repeat(2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (var socket = new Socket(ADDRESS, server.port())) {
            assertThat(socket.getTcpNoDelay()).as("the client keeps Nagle's algorithm, as most do").isFalse();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            in.readLine();
            command(out, in, "a LOGIN alice " + PASSWORD + "\r\n");
            command(out, in, "s SELECT INBOX\r\n");
            for (int i = 0; i < 5; i++) append(out, in, message, false); // the JIT and the pools, not measured

            long[] oneWrite = new long[ROUNDS], twoWrites = new long[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                oneWrite[i] = append(out, in, message, false);
                twoWrites[i] = append(out, in, message, true);
            }
            long oneMedian = median(oneWrite), twoMedian = median(twoWrites);
            // Without the prompt acknowledgement the split APPEND waits out the delayed-ACK timer
            // (40 ms at least on Linux) every time; with it, both take the same work.
            assertThat(twoMedian).as("median ms: literal and CRLF in one write %d, in two writes %d", oneMedian, twoMedian)
                    .isLessThan(oneMedian + 25);
        }
    }

    /** One APPEND with a non-synchronising literal; the milliseconds until its tagged answer. */
    private static long append(OutputStream out, BufferedReader in, byte[] message, boolean crlfApart) throws IOException {
        long t0 = System.nanoTime();
        byte[] head = ("p APPEND INBOX {" + message.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] first = Arrays.copyOf(head, head.length + message.length + (crlfApart ? 0 : 2));
        System.arraycopy(message, 0, first, head.length, message.length);
        if (!crlfApart) {
            first[first.length - 2] = '\r';
            first[first.length - 1] = '\n';
        }
        out.write(first);
        out.flush();
        if (crlfApart) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        String line;
        while (!(line = in.readLine()).startsWith("p ")) { /* untagged EXISTS, RECENT */ }
        assertThat(line).startsWith("p OK");
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void command(OutputStream out, BufferedReader in, String command) throws IOException {
        out.write(command.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String tag = command.substring(0, command.indexOf(' ') + 1), line;
        while (!(line = in.readLine()).startsWith(tag)) { /* untagged */ }
        assertThat(line).startsWith(tag + "OK");
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
