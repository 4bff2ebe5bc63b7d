package mailroom.smtp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A message as it arrives, before we have decided what to add in front of it (trace headers, the
 * checks' results, a DKIM signature): in memory while small, in a temporary file under the data
 * directory once it grows. Nothing here is durable; the blob written from it is.
 */
final class Spool extends OutputStream implements Closeable {
    private static final int IN_MEMORY = 1 << 20;

    private final Path dir;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;

    Spool(Path dir) {
        this.dir = dir;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (fileOut == null && memory.size() + length > IN_MEMORY) {
            Files.createDirectories(dir);
            file = Files.createTempFile(dir, "incoming-", ".eml");
            fileOut = new java.io.BufferedOutputStream(Files.newOutputStream(file), 65536);
            memory.writeTo(fileOut);
            memory = null;
        }
        (fileOut != null ? fileOut : memory).write(bytes, offset, length);
        size += length;
    }

    long size() {
        return size;
    }

    /** The bytes written so far, from the start. */
    InputStream open() throws IOException {
        if (fileOut == null) return new ByteArrayInputStream(memory.toByteArray());
        fileOut.flush();
        return Files.newInputStream(file);
    }

    /** The header section (up to the first empty line), for the checks that need only that. */
    String headers() throws IOException {
        try (InputStream in = open()) {
            var out = new ByteArrayOutputStream();
            int previous = -1, c, lineLength = 0;
            while ((c = in.read()) >= 0 && out.size() < 256 * 1024) {
                out.write(c);
                if (c == '\n') {
                    if (lineLength <= 1 && (previous == '\r' || lineLength == 0)) break;
                    lineLength = 0;
                } else {
                    lineLength++;
                }
                previous = c;
            }
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws IOException {
        if (fileOut != null) {
            fileOut.close();
            Files.deleteIfExists(file);
            fileOut = null;
        }
    }
}
