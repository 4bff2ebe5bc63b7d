package mailroom.fuzz;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

/**
 * A socket whose client has already sent {@code input} and then closed: lets the codecs that read
 * from a {@link mailroom.core.net.Connection} be fed fuzzer bytes without any network.
 */
public final class MemorySocket extends Socket {
    private final InputStream in;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public MemorySocket(byte[] input) {
        this.in = new ByteArrayInputStream(input);
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    }

    @Override
    public void setSoTimeout(int timeout) {
        // nothing waits: the input is all there
    }

    @Override
    public synchronized void close() {
        // nothing to release
    }

    public byte[] written() {
        return out.toByteArray();
    }
}
