package mailroom.storage.postgres;

import mailroom.storage.BlobStore;
import mailroom.storage.sql.Database;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Blobs as rows of the {@code blobs} table, named by their SHA-256 like the files of the embedded
 * store, so every node reads every message. A blob is gathered in memory (messages are bounded by
 * the SMTP size limit) and inserted at {@link Writer#commit()}; the commit makes it durable.
 */
final class PostgresBlobStore implements BlobStore {
    private final Database db;

    PostgresBlobStore(Database db) {
        this.db = db;
    }

    @Override
    public Writer create() {
        return new Writer() {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            private final MessageDigest digest = sha256();
            private final OutputStream stream = new DigestOutputStream(bytes, digest);

            @Override
            public OutputStream stream() {
                return stream;
            }

            @Override
            public long size() {
                return bytes.size();
            }

            @Override
            public String commit() throws IOException {
                stream.flush();
                String id = HexFormat.of().formatHex(digest.digest());
                byte[] data = bytes.toByteArray();
                db.write(c -> {
                    try (var st = c.prepareStatement("INSERT INTO blobs (id, data) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                        st.setString(1, id);
                        st.setBytes(2, data);
                        return st.executeUpdate();
                    }
                });
                return id;
            }

            @Override
            public void close() {
                bytes.reset();
            }
        };
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public InputStream open(String blobId) throws IOException {
        return new ByteArrayInputStream(read(blobId));
    }

    /** PostgreSQL reads only the slices of an uncompressed value that hold the range. */
    @Override
    public InputStream open(String blobId, long offset, long length) throws IOException {
        byte[] range = db.read(c -> {
            try (var st = c.prepareStatement("SELECT substring(data FROM ? FOR ?) FROM blobs WHERE id = ?")) {
                st.setInt(1, Math.toIntExact(offset + 1)); // SQL counts from 1
                st.setInt(2, Math.toIntExact(length));
                st.setString(3, blobId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
        if (range == null) throw new FileNotFoundException("no blob " + blobId);
        return new ByteArrayInputStream(range);
    }

    @Override
    public byte[] read(String blobId) throws IOException {
        byte[] data = db.read(c -> {
            try (var st = c.prepareStatement("SELECT data FROM blobs WHERE id = ?")) {
                st.setString(1, blobId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
        if (data == null) throw new FileNotFoundException("no blob " + blobId);
        return data;
    }

    @Override
    public boolean exists(String blobId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT 1 FROM blobs WHERE id = ?")) {
                st.setString(1, blobId);
                try (var rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void delete(String blobId) {
        db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM blobs WHERE id = ?")) {
                st.setString(1, blobId);
                return st.executeUpdate();
            }
        });
    }
}
