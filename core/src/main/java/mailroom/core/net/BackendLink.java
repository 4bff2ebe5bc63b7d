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
