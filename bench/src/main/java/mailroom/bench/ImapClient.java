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

/** A minimal IMAP client for load generation: tagged commands, literals in responses, pipelined APPENDs, IDLE. */
final class ImapClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int tag;
    private int sent;

    ImapClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream());
        readLine(); // greeting
    }

    /** Sends a command and reads up to its tagged reply, which must be OK; returns the bytes of the response. */
    long command(String command) throws IOException {
        long bytes = 0;
        for (String line : lines(command)) bytes += line.length() + 2;
        return bytes;
    }

    /** The response lines of a command, the tagged OK last (literal contents are read and left out). */
    List<String> lines(String command) throws IOException {
        String t = "t" + (++tag);
        out.write((t + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            lines.add(line);
            if (line.endsWith("}")) { // a literal follows: read exactly its octets
                int open = line.lastIndexOf('{');
                if (open >= 0) in.skipNBytes(Long.parseLong(line.substring(open + 1, line.length() - 1).replace("+", "")));
                continue;
            }
            if (line.startsWith(t + " ")) {
                if (!line.startsWith(t + " OK")) throw new IOException(command.split(" ")[0] + ": " + line);
                return lines;
            }
        }
    }

    /** APPENDs with a non-synchronising literal (LITERAL+), answered later by {@link #awaitTagged()}. */
    void append(byte[] message) throws IOException {
        out.write(("a" + (++sent) + " APPEND INBOX {" + message.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(message);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    void awaitTagged() throws IOException {
        for (String line = readLine(); ; line = readLine()) {
            if (line.startsWith("a")) {
                if (!line.contains(" OK ")) throw new IOException("APPEND: " + line);
                return;
            }
        }
    }

    void startIdle() throws IOException {
        out.write("i IDLE\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        readLine(); // "+ idling"
    }

    /** Blocks until an untagged line containing {@code text} arrives (an EXISTS while in IDLE). */
    void await(String text) throws IOException {
        for (String line = readLine(); !line.contains(text); line = readLine()) {
            // other untagged data
        }
    }

    String readLine() throws IOException {
        return Pop3.readLine(in);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
