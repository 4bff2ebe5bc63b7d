package mailroom.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Message bytes, content-addressed: a blob's id is the SHA-256 of its bytes, so one message filed
 * for many recipients is stored once. Blobs are immutable; a blob is durable once
 * {@link Writer#commit()} returns.
 */
public interface BlobStore {

    /** A new blob being written. Nothing is visible until {@link #commit()}; closing without commit discards it. */
    interface Writer extends AutoCloseable {
        OutputStream stream();

        /** Bytes written so far. */
        long size();

        /** Makes the blob durable (data and directory entry on disk) and returns its id. */
        String commit() throws IOException;

        @Override
        void close() throws IOException;
    }

    Writer create() throws IOException;

    InputStream open(String blobId) throws IOException;

    /** {@code length} bytes from {@code offset}: a MIME part, a header, a partial FETCH. */
    InputStream open(String blobId, long offset, long length) throws IOException;

    byte[] read(String blobId) throws IOException;

    boolean exists(String blobId);

    void delete(String blobId) throws IOException;
}
