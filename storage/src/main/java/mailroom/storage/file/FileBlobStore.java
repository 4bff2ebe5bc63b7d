package mailroom.storage.file;

import mailroom.storage.BlobStore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Blobs as files named by their SHA-256 under {@code blobs/ab/cd/abcd...}. A blob is written to
 * {@code tmp/}, fsynced, renamed into place and its directory fsynced: after {@link Writer#commit()}
 * the file is complete on disk, and a crash before that leaves only a temporary file, which the next
 * start removes. A blob never appears half-written under its name.
 */
public final class FileBlobStore implements BlobStore {
    private final Path blobs;
    private final Path tmp;
    private final boolean fsync;
    private final SmallBlobCache recentlyRead = new SmallBlobCache(32 << 20);

    public FileBlobStore(Path root, boolean fsync) throws IOException {
        this.blobs = Files.createDirectories(root.resolve("blobs"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
        this.fsync = fsync;
        removeAbandonedWrites();
    }

    /**
     * Deletes temporary files of writers that died (crash, kill -9). Each temporary file is named
     * after its process, so a command-line tool opening the store does not delete the files that a
     * running server is still writing.
     */
    private void removeAbandonedWrites() throws IOException {
        try (var files = Files.list(tmp)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                long pid = dash > 0 && name.substring(0, dash).matches("\\d+") ? Long.parseLong(name.substring(0, dash)) : -1;
                boolean ownerAlive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (!ownerAlive) Files.deleteIfExists(p);
            }
        }
    }

    Path path(String blobId) {
        if (!isBlobId(blobId)) throw new IllegalArgumentException("not a blob id: " + blobId);
        return blobs.resolve(blobId.substring(0, 2)).resolve(blobId.substring(2, 4)).resolve(blobId);
    }

    /** 64 lower-case hex digits (a SHA-256); checked by hand, since every FETCH of a body passes here and a regex compiles each time. */
    private static boolean isBlobId(String id) {
        if (id.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    @Override
    public Writer create() {
        return new FileWriter(tmp.resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID() + ".part"));
    }

    /**
     * Writes a blob: in memory while it is small, in its temporary file once it is not. Content
     * addressing makes a blob that is already stored cost nothing more than its digest: a message
     * delivered or appended again (the same mail to a second mailbox, a copy saved twice) is never
     * written, fsynced and deleted again, and a small one never touches a file at all.
     */
    private final class FileWriter implements Writer {
        /** Bytes kept in memory before the temporary file is made. */
        private static final int IN_MEMORY = 256 << 10;

        private final Path file;
        private final MessageDigest digest;
        private final OutputStream stream;
        private byte[] buffer = new byte[8192];
        private long size;
        /** The temporary file, once the blob outgrew the buffer; null until then. */
        private FileChannel channel;
        private OutputStream toFile;
        private boolean done;

        FileWriter(Path file) {
            this.file = file;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            var counting = new OutputStream() {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (roomInMemory(len)) System.arraycopy(b, off, buffer, (int) size, len);
                    else toFile.write(b, off, len);
                    size += len;
                }

                @Override
                public void write(int b) throws IOException { // a parser may hand over single bytes
                    if (roomInMemory(1)) buffer[(int) size] = (byte) b;
                    else toFile.write(b);
                    size++;
                }

                @Override
                public void flush() throws IOException {
                    if (toFile != null) toFile.flush();
                }
            };
            this.stream = new DigestOutputStream(counting, digest);
        }

        /** Whether {@code len} more bytes go to the buffer (grown to hold them); false once they go to the file. */
        private boolean roomInMemory(int len) throws IOException {
            if (toFile != null) return false;
            if (size + len > IN_MEMORY) {
                spill();
                return false;
            }
            if (size + len > buffer.length) buffer = Arrays.copyOf(buffer, (int) Math.min(IN_MEMORY, Math.max(size + len, buffer.length * 2L)));
            return true;
        }

        /** Moves what the buffer holds into the temporary file, where the rest will go. */
        private void spill() throws IOException {
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            toFile = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
            toFile.write(buffer, 0, (int) size);
            buffer = null;
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public String commit() throws IOException {
            stream.flush();
            String id = HexFormat.of().formatHex(digest.digest());
            Path target = path(id);
            if (Files.exists(target)) { // the same bytes are stored already
                discard();
                // Its writer may have renamed it into place and not yet synced the directory.
                if (fsync) syncDirectory(target.getParent());
                done = true;
                return id;
            }
            if (toFile == null) spill();
            toFile.flush();
            if (fsync) channel.force(true);
            channel.close();
            Path dir = target.getParent();
            if (!Files.isDirectory(dir)) { // most blobs land in a directory that exists: one stat
                makeDirectory(dir.getParent());
                makeDirectory(dir);
            }
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(file);
            }
            if (fsync) syncDirectory(dir);
            done = true;
            return id;
        }

        @Override
        public void close() throws IOException {
            if (!done) discard();
        }

        private void discard() throws IOException {
            buffer = null;
            if (channel == null) return;
            channel.close();
            Files.deleteIfExists(file);
        }
    }

    /**
     * Creates {@code dir} when it is missing, and makes its entry durable by an fsync of its parent:
     * only the directory that gained an entry is synced (in a young store most blobs start a new
     * {@code ab/cd} directory, but {@code ab} exists already after the first 256).
     */
    private void makeDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            // another writer made it a moment ago: sync it here too, not trusting that it has yet
        }
        if (fsync) syncDirectory(dir.getParent());
    }

    /** fsync of a directory makes a rename or a new entry in it durable (POSIX leaves it to us). */
    private static void syncDirectory(Path dir) throws IOException {
        try (var ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public InputStream open(String blobId) throws IOException {
        Opened blob = opened(blobId);
        return blob.bytes() != null ? new ByteArrayInputStream(blob.bytes()) : Channels.newInputStream(blob.file());
    }

    @Override
    public InputStream open(String blobId, long offset, long length) throws IOException {
        Opened blob = opened(blobId);
        if (blob.bytes() != null) {
            byte[] small = blob.bytes();
            int from = (int) Math.min(offset, small.length);
            return new ByteArrayInputStream(small, from, (int) Math.min(length, small.length - from));
        }
        FileChannel ch = blob.file();
        ch.position(offset);
        InputStream whole = Channels.newInputStream(ch);
        return new java.io.BufferedInputStream(new InputStream() {
            long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) return -1;
                int b = whole.read();
                if (b >= 0) left--;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) return -1;
                int n = whole.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }

            @Override
            public void close() throws IOException {
                whole.close();
            }
        });
    }

    @Override
    public byte[] read(String blobId) throws IOException {
        Opened blob = opened(blobId);
        if (blob.bytes() != null) return blob.bytes().clone(); // the caller's copy: the cached bytes stay as stored
        try (var in = Channels.newInputStream(blob.file())) {
            return in.readAllBytes();
        }
    }

    /** A blob opened for reading: its bytes when it is small, else its file, open, for the caller to close. */
    private record Opened(byte[] bytes, FileChannel file) {}

    /** Small blobs come from the cache, or are read whole into it now; a large one's file is opened once, here. */
    private Opened opened(String blobId) throws IOException {
        byte[] cached = recentlyRead.get(blobId);
        if (cached != null) return new Opened(cached, null);
        var ch = FileChannel.open(path(blobId), StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size > SmallBlobCache.LARGEST) return new Opened(null, ch);
            var bytes = java.nio.ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining() && ch.read(bytes) >= 0) {
                // a file being read is complete (blobs are renamed into place whole)
            }
            ch.close();
            if (bytes.hasRemaining()) throw new IOException("blob " + blobId + " is shorter than its size");
            recentlyRead.put(blobId, bytes.array());
            return new Opened(bytes.array(), null);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public boolean exists(String blobId) {
        return Files.exists(path(blobId));
    }

    @Override
    public void delete(String blobId) throws IOException {
        recentlyRead.remove(blobId);
        try {
            Files.delete(path(blobId));
        } catch (NoSuchFileException ignored) {
            // already gone
        }
    }
}
