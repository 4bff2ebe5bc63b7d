package mailroom.storage.file;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded blob store names each file by its SHA-256 and opens nothing else. */
class FileBlobStoreTest {
    @TempDir
    Path dir;

    @Test
    void aBlobIsNamedByItsDigestAndReadBack() throws Exception {
        var store = new FileBlobStore(dir, false);
        String id;
        try (var writer = store.create()) {
            writer.stream().write("hello\r\n".getBytes(StandardCharsets.US_ASCII));
            id = writer.commit();
        }
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest("hello\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(id).isEqualTo(java.util.HexFormat.of().formatHex(digest));
        assertThat(store.path(id)).isEqualTo(dir.resolve("blobs").resolve(id.substring(0, 2)).resolve(id.substring(2, 4)).resolve(id));
        assertThat(new String(store.read(id), StandardCharsets.US_ASCII)).isEqualTo("hello\r\n");
    }

    @Test
    void anythingButSixtyFourLowerCaseHexDigitsIsRefused() throws Exception {
        var store = new FileBlobStore(dir, false);
        for (String bad : new String[] {"", "../../etc/passwd", "A".repeat(64), "g".repeat(64), "0".repeat(63), "0".repeat(65),
                "0".repeat(62) + "/.", "0".repeat(63) + "\n"}) {
            assertThatThrownBy(() -> store.path(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(store.path("0123456789abcdef".repeat(4))).isNotNull();
    }

    /** Small blobs are kept in memory after a read: every range is still right, and a deleted one is gone. */
    @Test
    void smallBlobsReadAgainFromMemoryGiveTheSameRangesAndGoWithTheirFile() throws Exception {
        var store = new FileBlobStore(dir, false);
        byte[] small = "Subject: a\r\n\r\nbody text\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] large = new byte[SmallBlobCache.LARGEST + 1];
        java.util.Arrays.fill(large, (byte) 'x');
        large[large.length - 1] = 'y';
        String smallId = write(store, small), largeId = write(store, large);
        for (int round = 0; round < 2; round++) { // the first read fills the cache, the second reads from it
            try (var in = store.open(smallId, 8, 5)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(" a\r\n\r");
            }
            try (var in = store.open(smallId, small.length - 2, 100)) {
                assertThat(in.readAllBytes()).containsExactly('\r', '\n');
            }
            try (var in = store.open(smallId, small.length + 5, 10)) {
                assertThat(in.readAllBytes()).isEmpty();
            }
            try (var in = store.open(largeId, large.length - 2, 10)) {
                assertThat(in.readAllBytes()).containsExactly('x', 'y');
            }
            byte[] whole = store.read(smallId);
            assertThat(whole).isEqualTo(small);
            whole[0] = 'Z'; // a caller's copy: the store's bytes stay as written
        }
        store.delete(smallId);
        assertThatThrownBy(() -> store.open(smallId, 0, 4)).isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThatThrownBy(() -> store.read(smallId)).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    /** Small blobs wait in memory, large ones go to a temporary file; either way the same id, and nothing left in tmp/. */
    @Test
    void blobsOfEverySizeAreStoredWholeAndAStoredOneIsNotWrittenAgain() throws Exception {
        var store = new FileBlobStore(dir, true);
        var random = new java.util.Random(7);
        for (int size : new int[] {0, 1, 8191, 8193, 256 << 10, (256 << 10) + 1, 3 << 20}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            String id;
            try (var writer = store.create()) {
                var out = writer.stream();
                for (int at = 0; at < size; ) { // in pieces of odd sizes, as a parser hands them over
                    int n = Math.min(size - at, 1 + random.nextInt(70_000));
                    if (n == 1) out.write(bytes[at]);
                    else out.write(bytes, at, n);
                    at += n;
                }
                assertThat(writer.size()).isEqualTo(size);
                id = writer.commit();
            }
            assertThat(id).isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
            assertThat(java.nio.file.Files.readAllBytes(store.path(id))).as("size " + size).isEqualTo(bytes);
            var modified = java.nio.file.Files.getLastModifiedTime(store.path(id));
            Thread.sleep(5);
            assertThat(write(store, bytes)).isEqualTo(id);
            assertThat(java.nio.file.Files.getLastModifiedTime(store.path(id))).as("the stored file is left alone").isEqualTo(modified);
        }
        try (var abandoned = store.create()) {
            abandoned.stream().write(new byte[300 << 10]); // on its way to a file, then never committed
        }
        try (var files = java.nio.file.Files.list(dir.resolve("tmp"))) {
            assertThat(files.toList()).as("no temporary file left").isEmpty();
        }
    }

    private static String write(FileBlobStore store, byte[] bytes) throws Exception {
        try (var writer = store.create()) {
            writer.stream().write(bytes);
            return writer.commit();
        }
    }
}
