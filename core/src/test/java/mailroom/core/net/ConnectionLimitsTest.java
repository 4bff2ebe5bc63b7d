package mailroom.core.net;

import mailroom.core.security.ConnectionLimits;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** A listener over real sockets: over-long lines answered at once, limits per client address, TLS versions. */
class ConnectionLimitsTest {
    private static Socket from(String source, int port) throws Exception {
        var s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.10.1", port), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    private static String readLine(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    /** Echoes each line as "ok N", and "too long" for a line over 16 octets. */
    private static Listener echo(ConnectionLimits limits) throws Exception {
        return new Listener("test", new InetSocketAddress("127.0.10.1", 0), null, 100, limits, "busy", "limited", c -> {
            c.write("hello\r\n");
            c.flush();
            while (true) {
                try {
                    byte[] line = c.readLine(16);
                    if (line == null) return;
                    c.write("ok " + line.length + "\r\n");
                } catch (LineTooLongException e) {
                    c.write("too long " + new String(e.head(), 0, 4, StandardCharsets.US_ASCII) + "\r\n");
                }
                c.flush();
            }
        });
    }

    @Test
    void anOverLongLineIsAnsweredBeforeItEndsAndTheNextLineIsRead() throws Exception {
        try (var listener = echo(ConnectionLimits.none("test")); var s = from("127.0.10.2", listener.port())) {
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("hello");
            s.getOutputStream().write(("tag1 " + "x".repeat(100_000)).getBytes(StandardCharsets.US_ASCII)); // no line break yet
            s.getOutputStream().flush();
            assertThat(in.readLine()).as("answered without waiting for the line's end").isEqualTo("too long tag1");
            s.getOutputStream().write(("y".repeat(5000) + "\r\nshort\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).as("the rest of the long line is dropped").isEqualTo("ok 5");
        }
    }

    @Test
    void aClientOverItsAddressesLimitIsToldAndOthersAreServed() throws Exception {
        var limits = new ConnectionLimits("test", 2, 100, a -> false);
        try (var listener = echo(limits); var a = from("127.0.10.3", listener.port()); var b = from("127.0.10.3", listener.port())) {
            assertThat(readLine(a)).isEqualTo("hello");
            assertThat(readLine(b)).isEqualTo("hello");
            try (var c = from("127.0.10.3", listener.port())) {
                assertThat(readLine(c)).isEqualTo("limited");
            }
            try (var other = from("127.0.10.4", listener.port())) {
                assertThat(readLine(other)).isEqualTo("hello");
            }
        }
    }

    @Test
    void tlsContextsOfferOnlyVersions12And13(@TempDir Path dir) throws Exception {
        SSLContext context = TlsContexts.load(null, null, dir, "mail.example.test");
        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(context.getSupportedSSLParameters().getProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(context.getDefaultSSLParameters().getProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        try (var tls = (SSLSocket) context.getSocketFactory().createSocket()) {
            assertThat(tls.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        }
        try (var server = (javax.net.ssl.SSLServerSocket) context.getServerSocketFactory().createServerSocket()) {
            assertThat(server.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        }
    }
}
