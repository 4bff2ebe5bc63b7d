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
}
