package mailroom.core.net;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One client connection for a line-based protocol: bounded line reads, buffered writes, an idle
 * timeout, and the STARTTLS upgrade. Blocking I/O on a virtual thread; a client that stops reading
 * blocks our writes, so output never buffers beyond one buffer's size.
 */
public final class Connection implements Closeable {
    private Socket socket;
    /** The TCP socket under any TLS: an idle timeout shuts its input to end the read that waits. */
    private final Socket plain;
    private long idleTimeoutNanos;
    /** When the read under way times out, by {@link System#nanoTime}; 0 while no read waits. */
    private volatile long readDeadline;
    private volatile boolean timedOut;
    private InputStream in;
    private OutputStream out;
    private final byte[] buf = new byte[8 * 1024];
    private int pos, limit;
    private final InetSocketAddress remote;
    private final String id;
    /** Something was written since the last flush. A flush with nothing to send is skipped: under
     *  COMPRESS it would still emit an empty deflate block, which some clients (isync) misread. */
    private boolean unflushed;

    public Connection(Socket socket, String id) throws IOException {
        this(socket, socket, id);
    }

    /** A connection on {@code socket}, which is TLS over {@code plain} where the two differ (implicit TLS). */
    public Connection(Socket socket, Socket plain, String id) throws IOException {
        this.socket = socket;
        this.plain = plain;
        this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.id = id;
        attachStreams();
    }

    private void attachStreams() throws IOException {
        in = socket.getInputStream();
        out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        pos = limit = 0;
    }

    public String id() {
        return id;
    }

    public InetSocketAddress remote() {
        return remote;
    }

    public boolean isLoopback() {
        return remote.getAddress().isLoopbackAddress();
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    /**
     * How long a read may wait for the client before it ends in a {@link SocketTimeoutException}.
     * Kept by {@link ReadDeadlines} rather than as the socket's timeout, which on a virtual thread
     * costs a timer armed and disarmed at every read.
     */
    public void setIdleTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout(0); // a TLS handshake's, if one was set: from here on the deadline keeps the time
        idleTimeoutNanos = timeout.toNanos();
        if (idleTimeoutNanos > 0) ReadDeadlines.watch(this);
        else ReadDeadlines.forget(this);
    }

    /** Ends the waiting read if its deadline is past (called by {@link ReadDeadlines}). */
    void expireReadIfPast(long now) {
        long deadline = readDeadline;
        if (deadline == 0 || now - deadline < 0 || timedOut) return;
        timedOut = true;
        try {
            plain.shutdownInput(); // the read sees the end of the stream; output stays open for a last word
        } catch (IOException e) {
            closeQuietly(plain);
        }
    }

    /** Runs a blocking read under the idle deadline; one the deadline ended is a {@link SocketTimeoutException}. */
    private <T> T timed(IoCall<T> read) throws IOException {
        if (idleTimeoutNanos > 0) readDeadline = System.nanoTime() + idleTimeoutNanos;
        T result;
        try {
            result = read.call();
        } catch (IOException e) {
            if (timedOut) throw timeout();
            throw e;
        } finally {
            readDeadline = 0;
        }
        if (timedOut) throw timeout();
        return result;
    }

    private interface IoCall<T> {
        T call() throws IOException;
    }

    private SocketTimeoutException timeout() {
        return new SocketTimeoutException("idle for " + Duration.ofNanos(idleTimeoutNanos));
    }

    /**
     * Reads one line and returns it without its line break (CRLF, or a bare LF), or null at end of
     * stream. A line longer than {@code max} octets is reported as {@link LineTooLongException} as
     * soon as it is over (a client that sends 100 kB without a line break gets its answer at once);
     * the rest of that line is dropped by the next read, so the caller can answer an error and read
     * the next command.
     */
    public byte[] readLine(int max) throws IOException {
        if (discarding && !skipRestOfLine()) return null;
        byte[] line = null;
        int length = 0;
        while (true) {
            if (pos == limit && !fill()) {
                if (length == 0 && line == null) return null;
                break; // last line without a line break
            }
            int lf = indexOf(buf, pos, limit, (byte) '\n');
            int end = lf < 0 ? limit : lf;
            int chunk = end - pos;
            if (length + chunk > max + 1) { // +1: the CR of CRLF may still be in there
                byte[] head = line != null ? Arrays.copyOf(line, Math.min(length, HEAD)) : Arrays.copyOfRange(buf, pos, pos + Math.min(chunk, HEAD));
                pos = lf < 0 ? limit : lf + 1;
                discarding = lf < 0;
                throw new LineTooLongException(max, head);
            }
            if (line == null) line = new byte[Math.max(chunk, 128)];
            if (line.length < length + chunk) line = Arrays.copyOf(line, Math.max(line.length * 2, length + chunk));
            System.arraycopy(buf, pos, line, length, chunk);
            length += chunk;
            pos = lf < 0 ? limit : lf + 1;
            if (lf >= 0) break;
        }
        if (length > 0 && line[length - 1] == '\r') length--;
        if (length > max) throw new LineTooLongException(max, Arrays.copyOf(line, Math.min(length, HEAD)));
        return line == null ? new byte[0] : Arrays.copyOf(line, length);
    }

    /** How much of an over-long line is kept for the error reply (an IMAP tag, an SMTP verb). */
    private static final int HEAD = 100;
    /** The rest of an over-long line is still to be dropped. */
    private boolean discarding;

    /** Drops input up to and including the next LF; false at end of stream. */
    private boolean skipRestOfLine() throws IOException {
        while (true) {
            if (pos == limit && !fill()) return false;
            int lf = indexOf(buf, pos, limit, (byte) '\n');
            if (lf >= 0) {
                pos = lf + 1;
                discarding = false;
                return true;
            }
            pos = limit;
        }
    }

    /** A line decoded as UTF-8 (commands are ASCII; UTF-8 appears with SMTPUTF8), or null at end of stream. */
    public String readLineUtf8(int max) throws IOException {
        byte[] line = readLine(max);
        return line == null ? null : new String(line, StandardCharsets.UTF_8);
    }

    /** Reads exactly {@code n} bytes (an IMAP literal); fails at end of stream. */
    public byte[] readBytes(int n) throws IOException {
        byte[] out = new byte[n];
        int filled = 0;
        while (filled < n) {
            if (pos == limit && !fill()) throw new java.io.EOFException("connection closed inside a literal");
            int chunk = Math.min(n - filled, limit - pos);
            System.arraycopy(buf, pos, out, filled, chunk);
            pos += chunk;
            filled += chunk;
        }
        return out;
    }

    /** Reads and drops {@code n} bytes (a literal we refuse but must not mistake for commands). */
    public void skipBytes(long n) throws IOException {
        while (n > 0) {
            if (pos == limit && !fill()) throw new java.io.EOFException("connection closed inside a literal");
            int chunk = (int) Math.min(n, limit - pos);
            pos += chunk;
            n -= chunk;
        }
    }

    private boolean fill() throws IOException {
        int n = timed(() -> in.read(buf, 0, buf.length));
        if (n <= 0) return false;
        acknowledgeAtOnce();
        pos = 0;
        limit = n;
        return true;
    }

    /**
     * Asks the kernel to acknowledge what we just read at once rather than up to 40 ms later.
     * Linux delays the acknowledgement of a request it expects to answer with data, so the answer
     * carries it; but a client that sends a literal and its closing CRLF in two writes (Python's
     * imaplib, imaptest) holds the CRLF back until that acknowledgement (Nagle's algorithm), and we
     * answer only after the CRLF: every such APPEND waited out the delayed-acknowledgement timer.
     * Linux clears the setting as it goes, so it is set again after each read. Where the JDK has no
     * such option (not Linux) nothing is asked; a socket that refuses it (closing) is simply left as it is.
     */
    private void acknowledgeAtOnce() {
        if (!QUICKACK) return;
        try {
            socket.setOption(jdk.net.ExtendedSocketOptions.TCP_QUICKACK, true);
        } catch (IOException | UnsupportedOperationException e) {
            // the connection is closing, or the socket cannot: the acknowledgement is merely later
        }
    }

    private static final boolean QUICKACK = quickAckSupported();

    private static boolean quickAckSupported() {
        try (var probe = new Socket()) {
            return probe.supportedOptions().contains(jdk.net.ExtendedSocketOptions.TCP_QUICKACK);
        } catch (IOException e) {
            return false;
        }
    }

    private static int indexOf(byte[] b, int from, int to, byte value) {
        for (int i = from; i < to; i++) if (b[i] == value) return i;
        return -1;
    }

    /** True when the client has sent bytes we have not read yet. */
    public boolean hasBufferedInput() {
        return pos < limit;
    }

    public void write(String text) throws IOException {
        unflushed = true;
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] bytes, int offset, int length) throws IOException {
        unflushed = true;
        out.write(bytes, offset, length);
    }

    /** The output stream, for streaming large bodies; what goes through it counts as written. */
    public OutputStream output() {
        unflushed = true;
        return out;
    }

    public void flush() throws IOException {
        if (!unflushed) return;
        unflushed = false;
        out.flush();
    }

    /**
     * Upgrades to TLS in server mode. Anything the client pipelined after the STARTTLS command is
     * discarded first: it arrived in plaintext and must not be executed as if protected
     * (the command-injection attack of CVE-2011-0411).
     */
    public void startTls(SSLContext context) throws IOException {
        out.flush();
        unflushed = false;
        pos = limit = 0;
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, remote.getHostString(), remote.getPort(), true);
        tls.setUseClientMode(false);
        timed(() -> {
            tls.startHandshake(); // a client that stalls in the handshake times out as in any read
            return null;
        });
        socket = tls;
        attachStreams();
    }

    /**
     * Compresses both directions with raw DEFLATE from here on (IMAP COMPRESS, RFC 4978). Every
     * flush is a sync flush, so the client sees each response as soon as it is sent.
     */
    public void compress() throws IOException {
        out.flush();
        unflushed = false;
        byte[] pending = java.util.Arrays.copyOfRange(buf, pos, limit); // compressed bytes already read
        var socketIn = socket.getInputStream();
        in = new java.util.zip.InflaterInputStream(
                new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(pending), socketIn), new java.util.zip.Inflater(true), 16 * 1024) {
            @Override
            public int available() throws IOException {
                return 0; // never block the pipelining check on the inflater
            }
        };
        out = new BufferedOutputStream(new java.util.zip.DeflaterOutputStream(socket.getOutputStream(),
                new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true), 16 * 1024, true), 16 * 1024);
        pos = limit = 0;
    }

    /**
     * Hands this connection over to {@code backend} and returns when the session ends: whatever the
     * client sent that was not read yet goes first, then bytes flow both ways as they come until
     * either side closes. Idle timeouts are the backend's from here on. Used to pass a session
     * through to the node that serves it.
     */
    public void splice(Socket backend) throws IOException {
        flush();
        ReadDeadlines.forget(this);
        socket.setSoTimeout(0);
        backend.setSoTimeout(0);
        OutputStream toBackend = backend.getOutputStream();
        if (pos < limit) {
            toBackend.write(buf, pos, limit - pos);
            toBackend.flush();
            pos = limit;
        }
        InputStream fromClient = in;
        Thread upstream = Thread.ofVirtual().name("splice-" + id).start(() -> {
            try {
                pump(fromClient, toBackend);
                backend.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(backend);
            }
        });
        try {
            pump(backend.getInputStream(), socket.getOutputStream());
        } catch (IOException e) {
            // either side went away: the session is over
        } finally {
            closeQuietly(backend);
            closeQuietly(socket);
            try {
                upstream.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void pump(InputStream from, OutputStream to) throws IOException {
        byte[] chunk = new byte[16 * 1024];
        for (int n; (n = from.read(chunk)) > 0; ) {
            to.write(chunk, 0, n);
            to.flush();
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        ReadDeadlines.forget(this);
        try {
            out.flush();
        } catch (IOException ignored) {
            // the peer is gone; closing is all that is left
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
