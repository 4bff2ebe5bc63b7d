package mailroom.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Mail accepted but not yet delivered, with per-recipient state, attempts, next-attempt times and
 * leases, so that a sorter that dies mid-delivery leaves its work to another. (The sorter issue
 * builds delivery on it; this is the storage contract.)
 */
public interface Queue {

    enum State { PENDING, DELIVERED, FAILED }

    record Recipient(String address, State state, int attempts, Instant nextAttempt, String lastError) {}

    record Entry(long id, String sender, String blobId, Instant createdAt, List<Recipient> recipients) {}

    long enqueue(String sender, List<String> recipients, String blobId, Instant now);

    /**
     * Leases up to {@code limit} entries that have a pending recipient due at {@code now} and no live
     * lease; a lease that expires (its holder died) makes the entry claimable again.
     */
    List<Entry> claim(String owner, Instant now, Duration lease, int limit);

    void delivered(long id, String recipient);

    void deferred(long id, String recipient, String error, Instant nextAttempt);

    void failed(long id, String recipient, String error);

    /** Ends the lease; an entry with no pending recipient left is removed. */
    void release(long id, String owner);

    Optional<Entry> entry(long id);

    List<Entry> list();

    boolean delete(long id);
}
