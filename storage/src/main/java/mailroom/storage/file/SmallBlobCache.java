package mailroom.storage.file;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes of recently read small blobs, by id, up to a total size, the least recently used
 * leaving first. A client FETCHes the same message's header, then its parts, then its text, each a
 * section read: from the file each was an open, a read and a close. A blob's id is the SHA-256 of
 * its bytes, so an entry can never be stale; one deleted leaves with its file.
 */
final class SmallBlobCache {
    /** Blobs larger than this are read from their file each time: a few of them would fill the cache. */
    static final int LARGEST = 128 << 10;

    private final long capacity;
    private long held;
    private final Map<String, byte[]> entries = new LinkedHashMap<>(256, 0.75f, true);

    SmallBlobCache(long capacity) {
        this.capacity = capacity;
    }

    synchronized byte[] get(String blobId) {
        return entries.get(blobId);
    }

    synchronized void put(String blobId, byte[] bytes) {
        if (bytes.length > LARGEST || capacity < bytes.length) return;
        byte[] before = entries.put(blobId, bytes);
        held += bytes.length - (before == null ? 0 : before.length);
        var eldest = entries.entrySet().iterator();
        while (held > capacity && eldest.hasNext()) {
            held -= eldest.next().getValue().length;
            eldest.remove();
        }
    }

    synchronized void remove(String blobId) {
        byte[] gone = entries.remove(blobId);
        if (gone != null) held -= gone.length;
    }
}
