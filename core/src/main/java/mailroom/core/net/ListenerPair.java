package mailroom.core.net;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A protocol's two ports, as mail stores offer them: plain (with STARTTLS/STLS in the protocol)
 * and implicit TLS (IMAPS, POP3S), both served by the same handler. The TLS one is left out when
 * there is no TLS context.
 */
public record ListenerPair(Listener plain, Listener secure) implements Closeable {

    /** Each of the two listeners counts its own connections per client address under {@code security}'s limits. */
    public static ListenerPair open(String protocol, String bind, int port, int tlsPort, SSLContext tls, int maxConnections,
                                    mailroom.core.security.Security security, String busyReply, String limitReply,
                                    Listener.Handler handler) throws IOException {
        var plain = new Listener(protocol, new InetSocketAddress(bind, port), null, maxConnections, security.connections(protocol),
                busyReply, limitReply, handler);
        try {
            var secure = tls == null ? null
                    : new Listener(protocol + "s", new InetSocketAddress(bind, tlsPort), tls, maxConnections, security.connections(protocol + "s"),
                            busyReply, limitReply, handler);
            return new ListenerPair(plain, secure);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        plain.close();
        if (secure != null) secure.close();
    }
}
