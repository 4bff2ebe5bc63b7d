package mailroom.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Mail accepted but not yet delivered, with per-recipient state, attempts, next-attempt times and
 * leases, so that a sorter that dies mid-delivery leaves its work to another. Each entry has a
 * unique token; delivering with it as a once-key makes a retried local delivery file nothing twice.
 */
public interface Queue {

    enum State { PENDING, DELIVERED, FAILED }

    /**
     * A recipient as the client gave it: the address to deliver to, the RFC 3461 NOTIFY list as given
     * ({@code null} for the default, failures only) and ORCPT (the address before alias expansion).
     */
    record Rcpt(String address, String notifyOn, String orcpt) {
        public static Rcpt of(String address) {
            return new Rcpt(address, null, null);
        }
    }

    /** The envelope of a queued message; {@code sender} is "" for the null reverse-path of a bounce. */
    record Envelope(String sender, List<Rcpt> recipients, String envid, String ret) {
        public static Envelope of(String sender, List<String> recipients) {
            return new Envelope(sender, recipients.stream().map(Rcpt::of).toList(), null, null);
        }
    }

    record Recipient(Rcpt rcpt, State state, int attempts, Instant nextAttempt, String lastError) {
        public String address() {
            return rcpt.address();
        }
    }

    record Entry(long id, String token, Envelope envelope, String blobId, Instant createdAt, List<Recipient> recipients) {
        public String sender() {
            return envelope.sender();
        }
    }

    /** What one delivery attempt came to for one recipient. */
    sealed interface Outcome {
        String recipient();
    }

    record Delivered(String recipient) implements Outcome {}

    record Deferred(String recipient, String error, Instant nextAttempt) implements Outcome {}

    record Failed(String recipient, String error) implements Outcome {}

    long enqueue(Envelope envelope, String blobId, Instant now);

    /**
     * Leases up to {@code limit} entries that have a pending recipient due at {@code now} and no live
     * lease; a lease that expires (its holder died) makes the entry claimable again.
     */
    List<Entry> claim(String owner, Instant now, Duration lease, int limit);

    /**
     * Records the outcomes of an attempt (each counts one attempt), ends {@code owner}'s lease, and
     * removes the entry when no recipient is left pending. One transaction.
     */
    void finish(long id, String owner, List<Outcome> outcomes);

    /** Ends every lease {@code owner} holds: a node that restarts gives up what its last run had claimed. */
    int releaseAll(String owner);

    /** Makes every pending recipient of the entry due now; false when there is no such entry. */
    boolean retryNow(long id, Instant now);

    Optional<Entry> entry(long id);

    List<Entry> list();

    boolean delete(long id);

    /**
     * Calls an entry back before it leaves (JMAP EmailSubmission undo, RFC 8621 section 7): deletes
     * it only if no attempt was made for any recipient and no sorter holds a live lease on it at
     * {@code now}, in one statement, so it never races a delivery. False when it had started or is gone.
     */
    boolean cancel(long id, Instant now);
}
