package mailroom.storage;

import mailroom.core.mime.ParsedMessage;

import java.time.Instant;
import java.util.Set;

/**
 * One message an import files (from a Maildir, an mbox, another IMAP server). The blob must be
 * durable before this is filed. {@code uid}, when above 0, is the UID the source gave it: it is
 * kept when it is at least the mailbox's UIDNEXT, else the message takes the next UID. {@code key},
 * when not null, is written to the import journal in the same transaction, so a message already
 * journaled is never filed again.
 */
public record Import(String mailbox, String blobId, ParsedMessage parsed, Instant internalDate, Set<String> flags, long uid, Key key) {

    /** Where the message came from: the source, its folder and that folder's UIDVALIDITY (0: none), and the message's key in it. */
    public record Key(String source, String folder, long uidValidity, String item) {}

    /** What became of one message of a batch. */
    public sealed interface Outcome {}

    /** Filed now, under this UID. */
    public record Filed(long mailboxId, long uid, long modseq) implements Outcome {}

    /** The journal says an earlier run filed it; nothing was done. */
    public record AlreadyImported(long mailboxId, long uid) implements Outcome {}

    /** Refused: it would take the account over its quota. */
    public record OverQuota(long usedBytes, long quotaBytes) implements Outcome {}
}
