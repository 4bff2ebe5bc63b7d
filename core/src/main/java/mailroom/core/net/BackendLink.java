package mailroom.core.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A proxying store's connection to the store that is a session's home, for the few lines of the
 * log-in there. Lines are read a byte at a time, so nothing after the log-in is read ahead: once it
 * has succeeded the socket goes to {@link Connection#splice} with no bytes held back.
 */
public final class BackendLink implements AutoCloseable {
    private static final Duration CONNECT = Duration.ofSeconds(5), READ = Duration.ofSeconds(15);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BackendLink.class);

    /** A protocol's log-in at the home store: returns the lines to relay to the client, or throws when refused. */
    @FunctionalInterface
    public interface Login {
        java.util.List<String> logIn(BackendLink link) throws IOException;
    }

    /**
     * Passes {@code client}'s session to its home store: connects from {@code local}, logs in there
     * with {@code login}, relays the answer, and splices the two connections until the session ends.
     * Returns false, having sent the client nothing, when the home cannot be reached or refuses: the
     * caller then serves the session itself.
     */
    public static boolean passThrough(Connection client, InetAddress local, InetAddress home, int port, String user, Login login) {
        BackendLink link;
        try {
            link = new BackendLink(local, home, port);
        } catch (IOException e) {
            log.warn("home store {} of {} unreachable ({}); serving here", home.getHostAddress(), user, e.getMessage());
            return false;
        }
        try {
            for (String line : login.logIn(link)) client.write(line + "\r\n");
            log.info("{} passed to its home store {}", user, home.getHostAddress());
        } catch (IOException e) {
            log.warn("passing {} to {} failed ({}); serving here", user, home.getHostAddress(), e.getMessage());
            try {
                link.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            return false;
        }
        try {
            client.splice(link.socket());
        } catch (IOException e) {
            log.debug("proxied session ended: {}", e.toString());
        }
        return true;
    }
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** Connects from {@code local} (this node's address, by which the home store knows a proxy) to the home store. */
    public BackendLink(InetAddress local, InetAddress address, int port) throws IOException {
        socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(new InetSocketAddress(address, port), (int) CONNECT.toMillis());
            socket.setSoTimeout((int) READ.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** One line without its CRLF; an IOException when the backend closes first. */
    public String readLine() throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new IOException("the home store closed the connection");
            if (line.size() > 64 * 1024) throw new IOException("the home store sent an overlong line");
            line.write(b);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    public void send(byte[]... parts) throws IOException {
        for (byte[] part : parts) out.write(part);
        out.flush();
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
