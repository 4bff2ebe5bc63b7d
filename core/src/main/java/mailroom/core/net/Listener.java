package mailroom.core.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepts connections on one port and serves each on its own virtual thread. It owns what every
 * protocol shares: the connection limit, implicit TLS (SMTPS, POP3S, IMAPS), session ids in the log
 * context, and the log lines at session start and end.
 */
public final class Listener implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);
    private static final AtomicLong SESSIONS = new AtomicLong();

    /** Serves one connection until the session ends; the listener closes the connection afterwards. */
    @FunctionalInterface
    public interface Handler {
        void serve(Connection connection) throws IOException;
    }

    private final String protocol;
    private final ServerSocket server;
    private final Thread acceptor;

    /** A listener without per-address limits. */
    public Listener(String protocol, InetSocketAddress address, SSLContext implicitTls, int maxConnections,
                    String busyReply, Handler handler) throws IOException {
        this(protocol, address, implicitTls, maxConnections, mailroom.core.security.ConnectionLimits.none(protocol), busyReply, busyReply, handler);
    }

    /**
     * @param implicitTls  a TLS context to handshake before the protocol starts, or null for plain TCP
     * @param perAddress   the limits per client address (mailroom.core.security)
     * @param busyReply    the line sent to a client beyond {@code maxConnections} before closing
     * @param limitReply   the line sent to a client over its address's limits before closing
     */
    public Listener(String protocol, InetSocketAddress address, SSLContext implicitTls, int maxConnections,
                    mailroom.core.security.ConnectionLimits perAddress, String busyReply, String limitReply, Handler handler) throws IOException {
        this.protocol = protocol;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 512);
        var slots = new Semaphore(maxConnections);
        this.acceptor = Thread.ofPlatform().name(protocol + "-accept").daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    if (!slots.tryAcquire()) {
                        log.warn("{} connection limit reached, refusing {}", protocol, socket.getRemoteSocketAddress());
                        refuse(socket, busyReply);
                        continue;
                    }
                    Runnable leave;
                    try {
                        leave = perAddress.admit(socket.getInetAddress());
                    } catch (mailroom.core.security.LimitExceeded e) {
                        slots.release();
                        refuse(socket, limitReply); // the limit logged and counted it
                        continue;
                    }
                    Thread.ofVirtual().name(protocol + "-session").start(() -> {
                        try {
                            serve(socket, implicitTls, handler);
                        } finally {
                            leave.run();
                            slots.release();
                        }
                    });
                } catch (IOException e) {
                    if (!server.isClosed()) log.warn("{} accept failed: {}", protocol, e.toString());
                }
            }
        });
        log.info("{} listening on {}:{}{}", protocol, address.getHostString(), server.getLocalPort(), implicitTls != null ? " (TLS)" : "");
    }

    private void serve(Socket socket, SSLContext implicitTls, Handler handler) {
        // Short and unique within this process; with the node name in the log it identifies a session.
        String id = Long.toString(SESSIONS.incrementAndGet(), 36);
        MDC.put("session", id);
        long started = System.nanoTime();
        var remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        log.info("{} session start from {}:{}", protocol, remote.getHostString(), remote.getPort());
        String outcome = "closed";
        Runnable closed = mailroom.core.metrics.Meters.connected(protocol);
        try {
            socket.setTcpNoDelay(true);
            Socket plain = socket;
            if (implicitTls != null) socket = handshake(socket, implicitTls);
            try (var connection = new Connection(socket, plain, id)) {
                handler.serve(connection);
            }
        } catch (java.net.SocketTimeoutException e) {
            outcome = "timed out";
        } catch (SocketException | javax.net.ssl.SSLException e) {
            outcome = "dropped (" + e.getMessage() + ")";
        } catch (IOException e) {
            outcome = "dropped (" + e + ")";
        } catch (RuntimeException e) {
            outcome = "failed";
            log.error("{} session failed", protocol, e);
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
            closed.run();
            log.info("{} session end: {} after {} ms", protocol, outcome, (System.nanoTime() - started) / 1_000_000);
            MDC.remove("session");
        }
    }

    private static Socket handshake(Socket plain, SSLContext context) throws IOException {
        plain.setSoTimeout(30_000);
        var tls = (SSLSocket) context.getSocketFactory().createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        tls.setUseClientMode(false);
        tls.startHandshake();
        return tls;
    }

    /** Says why and closes: one line, which fits in the socket buffer, so the acceptor never waits on the client. */
    private void refuse(Socket socket, String reply) {
        try (socket) {
            socket.getOutputStream().write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // the client is gone already
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
