package mailroom.storage;

import java.time.Instant;
import java.util.Set;

/**
 * One message of a mailbox without its parsed structure: what listings, POP3 and FETCH FLAGS need.
 * {@code threadId} is the thread the message was filed into (see {@link MailStore#thread}); 0 where
 * a caller built a summary without one.
 */
public record MessageSummary(long uid, String blobId, long size, Instant internalDate, Set<String> flags, long modseq, long threadId) {
    public MessageSummary(long uid, String blobId, long size, Instant internalDate, Set<String> flags, long modseq) {
        this(uid, blobId, size, internalDate, flags, modseq, 0);
    }
}
