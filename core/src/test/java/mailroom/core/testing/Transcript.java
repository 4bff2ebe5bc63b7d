package mailroom.core.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A raw line client for protocol transcript tests. {@link #play(String)} takes a script of
 * "C: line" (sent) and "S: prefix" (the next line the server sends must start with it), so a
 * protocol corner reads as the conversation it is.
 */
public final class Transcript implements AutoCloseable {
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    public Transcript(String host, int port) throws IOException {
        this.socket = new Socket(host, port);
        socket.setSoTimeout(10_000);
        attach();
    }

    /** Connects with implicit TLS (SMTPS, POP3S, IMAPS), trusting a self-signed certificate. */
    public static Transcript tls(String host, int port) throws Exception {
        var t = new Transcript(host, port);
        t.startTls();
        return t;
    }

    private void attach() throws IOException {
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** Runs a script of "C: " and "S: " lines; blank lines and "#" comments are skipped. */
    public Transcript play(String script) throws IOException {
        for (String line : script.strip().split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("C:")) send(line.substring(2).stripLeading());
            else if (line.startsWith("S:")) expect(line.substring(2).stripLeading());
            else throw new IllegalArgumentException("script lines start with C: or S:, not " + line);
        }
        return this;
    }

    public Transcript send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    public Transcript sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public String readLine() throws IOException {
        return in.readLine();
    }

    /**
     * Reads one line and checks its start. An SMTP multi-line reply ("250-...") is read to its last
     * line, which is the one checked.
     */
    public String expect(String prefix) throws IOException {
        String line = in.readLine();
        while (line != null && line.matches("\\d{3}-.*")) line = in.readLine();
        assertThat(line).as("server line").isNotNull().startsWith(prefix);
        return line;
    }

    /** Reads an SMTP reply (continuation lines "250-...") and checks the final line's start. */
    public List<String> expectReply(String prefix) throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = in.readLine();
            assertThat(line).as("server line").isNotNull();
            lines.add(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        assertThat(line).startsWith(prefix);
        return lines;
    }

    /** Reads a POP3 multi-line body up to the "." line, returning the lines (still dot-stuffed). */
    public List<String> readMultiLine() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line = in.readLine(); !".".equals(line); line = in.readLine()) {
            assertThat(line).as("multi-line response ended early").isNotNull();
            lines.add(line);
        }
        return lines;
    }

    /** True once the server has closed the connection. */
    public boolean closedByServer() throws IOException {
        return in.readLine() == null;
    }

    /** Switches to TLS after the server agreed (STARTTLS/STLS), trusting its self-signed certificate. */
    public Transcript startTls() throws Exception {
        socket = trustAll().getSocketFactory().createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        ((SSLSocket) socket).startHandshake();
        attach();
        return this;
    }

    public static SSLContext trustAll() throws Exception {
        var context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return context;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
