package mailroom.storage;

import java.time.Instant;
import java.util.Set;

/** One message of a mailbox without its parsed structure: what listings, POP3 and FETCH FLAGS need. */
public record MessageSummary(long uid, String blobId, long size, Instant internalDate, Set<String> flags, long modseq) {}
