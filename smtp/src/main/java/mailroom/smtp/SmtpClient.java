package mailroom.smtp;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sending side of SMTP, for outbound delivery: greeting, EHLO, opportunistic STARTTLS, and
 * transactions with per-recipient replies. Blocking and small; one instance is one connection.
 */
final class SmtpClient implements Closeable {
    /** Opportunistic TLS (RFC 7435): encrypt when offered, without authenticating the peer. */
    private static final SSLContext OPPORTUNISTIC = opportunisticContext();

    private final String host;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final Set<String> extensions = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    private boolean tls;
    long lastUsed = System.nanoTime();

    private SmtpClient(String host, Socket socket) throws IOException {
        this.host = host;
        this.socket = socket;
        attach();
    }

    /** Connects, reads the greeting, says EHLO (HELO when EHLO is refused) and starts TLS when offered. */
    static SmtpClient connect(String host, InetSocketAddress address, String heloName, Duration connectTimeout,
                              Duration commandTimeout, boolean startTls) throws IOException, SmtpException {
        var socket = new Socket();
        try {
            socket.connect(address, (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) commandTimeout.toMillis());
            var client = new SmtpClient(host, socket);
            client.expect(client.read(), 220);
            client.hello(heloName);
            if (startTls && client.extensions.contains("STARTTLS")) {
                client.expect(client.command("STARTTLS"), 220);
                client.upgrade();
                client.hello(heloName);
            }
            return client;
        } catch (IOException | SmtpException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Connects from {@code local} to a store's LMTP port and says LHLO (RFC 2033): no TLS inside the cluster. */
    static SmtpClient lmtp(InetSocketAddress address, java.net.InetAddress local, String name, Duration connectTimeout,
                           Duration commandTimeout) throws IOException, SmtpException {
        var socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(address, (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) commandTimeout.toMillis());
            var client = new SmtpClient(address.getHostString(), socket);
            client.expect(client.read(), 220);
            Reply reply = client.command("LHLO " + name);
            client.expect(reply, 250);
            for (String line : reply.lines().subList(1, reply.lines().size())) client.extensions.add(line.split(" ", 2)[0]);
            return client;
        } catch (IOException | SmtpException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void hello(String heloName) throws IOException, SmtpException {
        Reply reply = command("EHLO " + heloName);
        extensions.clear();
        if (reply.code() == 250) {
            for (String line : reply.lines().subList(1, reply.lines().size())) extensions.add(line.split(" ", 2)[0]);
        } else {
            expect(command("HELO " + heloName), 250);
        }
    }

    private void upgrade() throws IOException {
        SSLSocket ssl = (SSLSocket) OPPORTUNISTIC.getSocketFactory().createSocket(socket, host, socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        socket = ssl;
        tls = true;
        attach();
    }

    private void attach() throws IOException {
        in = new BufferedInputStream(socket.getInputStream(), 8192);
        out = new BufferedOutputStream(socket.getOutputStream(), 65536);
    }

    boolean supports(String extension) {
        return extensions.contains(extension);
    }

    boolean isTls() {
        return tls;
    }

    String host() {
        return host;
    }

    Reply command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return read();
    }

    /** Writes a command without waiting (PIPELINING, RFC 2920); its reply is read later with {@link #read()}. */
    void pipeline(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Sends the message after a 354: CRLF line ends, dot-stuffed, ended by the lone dot. */
    Reply sendData(InputStream message) throws IOException {
        boolean lineStart = true;
        int previous = -1, c;
        var buffered = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 65536);
        while ((c = buffered.read()) >= 0) {
            if (lineStart && c == '.') out.write('.');
            if (c == '\n' && previous != '\r') out.write('\r');
            out.write(c);
            lineStart = c == '\n';
            previous = c;
        }
        if (!lineStart) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return read();
    }

    /** Reads one (possibly multi-line) reply; the enhanced status code, when present, is split off. */
    Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code;
        while (true) {
            String line = readLine();
            if (line == null) throw new IOException(host + " closed the connection");
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                throw new IOException(host + " sent a malformed reply: " + line);
            }
            code = Integer.parseInt(line.substring(0, 3));
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) != '-') break;
        }
        String first = lines.get(0);
        String enhanced = null;
        if (code >= 200 && first.matches("[245]\\.\\d{1,3}\\.\\d{1,3}( .*)?")) {
            int space = first.indexOf(' ');
            enhanced = space < 0 ? first : first.substring(0, space);
            lines.set(0, space < 0 ? "" : first.substring(space + 1));
        }
        return new Reply(code, enhanced, lines);
    }

    private String readLine() throws IOException {
        var line = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') line.write(c);
            if (line.size() > 65536) throw new IOException(host + " sent an overlong line");
        }
        if (c < 0 && line.size() == 0) return null;
        return line.toString(StandardCharsets.UTF_8);
    }

    static void expect(Reply reply, int code) throws SmtpException {
        if (reply.code() != code) throw new SmtpException(reply);
    }

    /** Says RSET so the connection can carry the next transaction; false when it is no longer usable. */
    boolean reset() {
        try {
            return command("RSET").code() == 250;
        } catch (IOException e) {
            return false;
        }
    }

    /** NOOP on a kept connection: the server may have closed it meanwhile. */
    boolean alive() {
        try {
            return command("NOOP").code() == 250;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private static SSLContext opportunisticContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return host.toLowerCase(Locale.ROOT) + (tls ? " (TLS)" : "");
    }
}
