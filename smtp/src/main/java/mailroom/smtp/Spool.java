package mailroom.smtp;

import mailroom.storage.BlobStore;

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

    /** Writes {@code front} (our header fields) and then the message as one durable blob; returns its id. */
    String store(BlobStore blobs, String front) throws IOException {
        try (BlobStore.Writer blob = blobs.create(); InputStream in = open()) {
            blob.stream().write(front.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            in.transferTo(blob.stream());
            return blob.commit();
        }
    }

    /** The header section (up to the first empty line), for the checks that need only that. */
    String headers() throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(open())) {
            var out = new ByteArrayOutputStream();
            MessageHeaders.copyHeaderSection(in, out, 256 * 1024);
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
