package mailroom.storage;

import mailroom.core.mime.ParsedMessage;

import java.time.Instant;
import java.util.Set;

/** Filing one stored message (a blob) into mailboxes. The blob must be durable before this is filed. */
public record Delivery(String blobId, Instant internalDate, ParsedMessage parsed) {

    /**
     * One copy of the message: whose, which mailbox (created when missing), with which flags.
     * {@code onceKey}, when not null, makes the copy idempotent: a second delivery with the same key
     * for the same account files nothing (the queue uses it so a retried entry is filed once).
     */
    public record Target(long accountId, String mailbox, Set<String> flags, String onceKey) {
        public Target(long accountId, String mailbox, Set<String> flags) {
            this(accountId, mailbox, flags, null);
        }
    }

    /** Where a copy landed. */
    public record Filed(long accountId, long mailboxId, long uid, long modseq) {}
}
