package mailroom.transfer.imap;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A small IMAP4rev1 client for reading another server: log in (AUTHENTICATE PLAIN or LOGIN), over
 * implicit TLS, STARTTLS or, on request, plain TCP; LIST, LSUB, STATUS, EXAMINE and UID FETCH,
 * with literals. Responses are read into a small tree (atoms and quoted strings as String,
 * literals as byte[], parenthesised lists as List); nothing else of IMAP is needed to copy mail.
 */
public final class ImapClient implements AutoCloseable {
    /** How the connection is protected. */
    public enum Security { IMPLICIT_TLS, STARTTLS, STARTTLS_IF_OFFERED }

    /** The server would not let us in: the whole import stops with this one line. */
    public static final class LoginRefused extends IOException {
        public LoginRefused(String message) {
            super(message);
        }
    }

    /** A tagged NO or BAD. */
    public static final class CommandFailed extends IOException {
        public CommandFailed(String message) {
            super(message);
        }
    }

    /** One untagged response: its words and values after "*". */
    public record Untagged(List<Object> values) {
        String word(int i) {
            return i < values.size() && values.get(i) instanceof String s ? s : "";
        }
    }

    private static final int CONNECT_TIMEOUT_MS = 30_000;
    private static final int READ_TIMEOUT_MS = 120_000;

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int tagCounter;
    private Set<String> capabilities = Set.of();
    private final String host;

    public ImapClient(String host, int port, Security security, boolean insecure) throws IOException {
        this.host = host;
        SSLContext tls = tlsContext(insecure);
        if (security == Security.IMPLICIT_TLS) {
            socket = startTls(plainSocket(host, port), tls, insecure);
        } else {
            socket = plainSocket(host, port);
        }
        streams();
        Untagged greeting = readUntaggedGreeting();
        if (greeting.word(0).equalsIgnoreCase("BYE")) throw new IOException(host + " refused the connection: " + text(greeting, 1));
        capabilities = capability();
        if (security != Security.IMPLICIT_TLS && (security == Security.STARTTLS || capabilities.contains("STARTTLS"))) {
            if (!capabilities.contains("STARTTLS")) throw new IOException(host + " does not offer STARTTLS");
            command("STARTTLS", null);
            socket = startTls(socket, tls, insecure);
            streams();
            capabilities = capability();
        }
    }

    private static Socket plainSocket(String host, int port) throws IOException {
        var s = new Socket();
        s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        return s;
    }

    private Socket startTls(Socket plain, SSLContext tls, boolean insecure) throws IOException {
        var s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, plain.getPort(), true);
        if (!insecure) {
            var params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
            s.setSSLParameters(params);
        }
        s.startHandshake();
        return s;
    }

    /** The platform's trust store, or with --insecure one that accepts any certificate (self-signed test servers). */
    private static SSLContext tlsContext(boolean insecure) throws IOException {
        try {
            var ctx = SSLContext.getInstance("TLS");
            TrustManager[] trust = insecure ? new TrustManager[]{new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }} : null;
            ctx.init(null, trust, new SecureRandom());
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("no TLS: " + e.getMessage(), e);
        }
    }

    private void streams() throws IOException {
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 14);
    }

    private Set<String> capability() throws IOException {
        Set<String> caps = new TreeSet<>();
        for (Untagged u : command("CAPABILITY", null)) {
            if (u.word(0).equalsIgnoreCase("CAPABILITY")) {
                for (Object v : u.values().subList(1, u.values().size())) if (v instanceof String s) caps.add(s.toUpperCase(Locale.ROOT));
            }
        }
        return caps;
    }

    /** Logs in with AUTHENTICATE PLAIN where offered (one round trip with SASL-IR), else LOGIN. */
    public void login(String user, String password) throws IOException {
        try {
            if (capabilities.contains("AUTH=PLAIN") && capabilities.contains("SASL-IR")) {
                String initial = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
                command("AUTHENTICATE PLAIN " + initial, null);
            } else {
                command("LOGIN " + quote(user) + " " + quote(password), null);
            }
        } catch (CommandFailed e) {
            throw new LoginRefused(host + " refused the login of " + user + ": " + e.getMessage());
        }
    }

    /** A quoted string, or a literal when the text cannot be quoted. */
    static String quote(String s) {
        for (char c : s.toCharArray()) if (c == '\r' || c == '\n' || c > 126) return null;
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A mailbox name as an argument: quoted when it can be, else sent as a literal by the caller. */
    static String mailbox(String wireName) {
        String q = quote(wireName);
        if (q == null) throw new IllegalArgumentException("cannot send mailbox name " + wireName);
        return q;
    }

    /** Receives FETCH responses as they arrive, so a folder is never held in memory whole. */
    @FunctionalInterface
    public interface FetchHandler {
        void fetched(long sequence, List<Object> attributes) throws IOException;
    }

    /** Sends a command and collects its untagged responses; FETCH responses go to {@code fetches} when given. Throws on NO/BAD. */
    public List<Untagged> command(String command, FetchHandler fetches) throws IOException {
        String tag = "m" + (++tagCounter);
        out.write((tag + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        List<Untagged> untagged = new ArrayList<>();
        while (true) {
            String first = atom();
            if (first.equals("*")) {
                expect(' ');
                List<Object> values = readValues();
                if (values.size() >= 2 && values.get(1) instanceof String w && w.equalsIgnoreCase("FETCH") && fetches != null
                        && values.get(0) instanceof String n && values.size() >= 3 && values.get(2) instanceof List<?> attrs) {
                    @SuppressWarnings("unchecked")
                    List<Object> a = (List<Object>) attrs;
                    fetches.fetched(Long.parseLong(n), a);
                } else {
                    var u = new Untagged(values);
                    if (u.word(0).equalsIgnoreCase("BYE") && !command.equals("LOGOUT")) throw new EOFException(host + " closed the session: " + text(u, 1));
                    untagged.add(u);
                }
            } else if (first.equals("+")) {
                readLine();
                throw new IOException(host + " asked for more input after " + command.split(" ")[0]);
            } else if (first.equals(tag)) {
                expect(' ');
                String status = atom();
                String rest = readLine().strip();
                if (status.equalsIgnoreCase("OK")) return untagged;
                throw new CommandFailed(status + " " + rest);
            } else {
                readLine(); // a response we did not ask for: pass over it
            }
        }
    }

    private Untagged readUntaggedGreeting() throws IOException {
        String first = atom();
        if (!first.equals("*")) throw new IOException(host + " is not an IMAP server (greeting starts with " + first + ")");
        expect(' ');
        return new Untagged(readValues());
    }

    private static String text(Untagged u, int from) {
        StringBuilder b = new StringBuilder();
        for (Object v : u.values().subList(Math.min(from, u.values().size()), u.values().size())) b.append(v instanceof String s ? s : "").append(' ');
        return b.toString().strip();
    }

    // --- the reader: values up to the end of a response line ---

    private int read() throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException(host + " closed the connection");
        return b;
    }

    private int peek() throws IOException {
        in.mark(1);
        int b = read();
        in.reset();
        return b;
    }

    private void expect(int c) throws IOException {
        int b = read();
        if (b != c) throw new IOException("protocol error: expected '" + (char) c + "', got '" + (char) b + "'");
    }

    private String readLine() throws IOException {
        var b = new ByteArrayOutputStream();
        for (int c = read(); c != '\n'; c = read()) if (c != '\r') b.write(c);
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Values separated by spaces until CRLF; a status word (OK, NO, BAD, BYE, PREAUTH) takes the rest of the line as text. */
    private List<Object> readValues() throws IOException {
        List<Object> values = new ArrayList<>();
        while (true) {
            int c = peek();
            if (c == '\r' || c == '\n') {
                readLine();
                return values;
            }
            if (c == ' ') {
                read();
                continue;
            }
            Object v = value();
            values.add(v);
            if (values.size() <= 2 && v instanceof String s && isStatus(s)) {
                values.add(readLine().strip());
                return values;
            }
        }
    }

    private static boolean isStatus(String s) {
        return switch (s.toUpperCase(Locale.ROOT)) {
            case "OK", "NO", "BAD", "BYE", "PREAUTH" -> true;
            default -> false;
        };
    }

    private Object value() throws IOException {
        int c = peek();
        return switch (c) {
            case '(' -> list();
            case '"' -> quoted();
            case '{' -> literal();
            default -> atom();
        };
    }

    private List<Object> list() throws IOException {
        expect('(');
        List<Object> items = new ArrayList<>();
        while (true) {
            int c = peek();
            if (c == ')') {
                read();
                return items;
            }
            if (c == ' ') {
                read();
                continue;
            }
            if (c == '\r' || c == '\n') throw new IOException("protocol error: a list ends with the line");
            items.add(value());
        }
    }

    private String quoted() throws IOException {
        expect('"');
        var b = new ByteArrayOutputStream();
        for (int c = read(); c != '"'; c = read()) {
            if (c == '\\') c = read();
            if (c == '\r' || c == '\n') throw new IOException("protocol error: a line ends inside a quoted string");
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private byte[] literal() throws IOException {
        expect('{');
        long n = 0;
        for (int c = read(); c != '}'; c = read()) {
            if (c == '+') continue;
            if (c < '0' || c > '9') throw new IOException("protocol error: bad literal length");
            n = n * 10 + (c - '0');
            if (n > Integer.MAX_VALUE - 16) throw new IOException("literal too large: " + n);
        }
        expect('\r');
        expect('\n');
        byte[] data = in.readNBytes((int) n);
        if (data.length < n) throw new EOFException(host + " closed the connection in the middle of a literal (" + data.length + " of " + n + " bytes)");
        return data;
    }

    /** An atom, where "[...]" may hold spaces (BODY[], response codes). */
    private String atom() throws IOException {
        var b = new StringBuilder();
        int depth = 0;
        while (true) {
            int c = peek();
            if (c == '\r' || c == '\n' || (depth == 0 && (c == ' ' || c == '(' || c == ')'))) break;
            read();
            if (c == '[') depth++;
            if (c == ']' && depth > 0) depth--;
            b.append((char) c);
        }
        if (b.isEmpty()) throw new IOException("protocol error: expected an atom, got '" + (char) peek() + "'");
        return b.toString();
    }

    public Set<String> capabilities() {
        return capabilities;
    }

    /** Says goodbye when it can; closes the socket in any case. */
    @Override
    public void close() {
        try {
            if (!socket.isClosed()) command("LOGOUT", null);
        } catch (IOException | RuntimeException ignored) {
            // the connection is going away anyway
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
