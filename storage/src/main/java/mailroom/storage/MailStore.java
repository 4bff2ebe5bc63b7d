package mailroom.storage;

import mailroom.core.mime.ParsedMessage;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Mailboxes and the messages in them: UIDs, flags, MODSEQs, the parsed structure, and the per-account
 * change log. Every row is keyed by account first. Writes are durable when they return and are
 * announced on the event bus afterwards.
 */
public interface MailStore {

    Mailbox createMailbox(long accountId, String name, String specialUse);

    /** Creates a mailbox with the given UIDVALIDITY (an import keeping its source's); 0 picks one as {@link #createMailbox(long, String, String)} does. */
    Mailbox createMailbox(long accountId, String name, String specialUse, long uidValidity);

    /**
     * Gives a mailbox that never held a message another UIDVALIDITY (an import keeping its
     * source's). False, and no change, once a message was ever filed in it: clients may know its UIDs.
     */
    boolean setUidValidity(long accountId, long mailboxId, long uidValidity);

    Optional<Mailbox> mailbox(long accountId, String name);

    /** A mailbox by its id, which survives renames; empty once it is deleted. */
    Optional<Mailbox> mailbox(long accountId, long mailboxId);

    List<Mailbox> mailboxes(long accountId);

    /** Renames a mailbox and every mailbox below it ("a" and "a/b" to "c" and "c/b"), keeping their UIDVALIDITY. */
    void renameMailbox(long accountId, String from, String to);

    /** Deletes a mailbox and its messages; mailboxes below it stay. */
    void deleteMailbox(long accountId, long mailboxId);

    java.util.SortedSet<String> subscriptions(long accountId);

    void setSubscribed(long accountId, String name, boolean subscribed);

    /** Counts for STATUS and SELECT, computed by the store. */
    record Status(long messages, long unseen, long size, long firstUnseenUid, long recent) {}

    Status status(long accountId, long mailboxId);

    /**
     * The UIDs from {@code first} up to (not including) {@code next}: the \Recent messages one
     * session took. No other session's claim overlaps it.
     */
    record RecentClaim(long first, long next) {
        public boolean contains(long uid) {
            return uid >= first && uid < next;
        }

        public boolean isEmpty() {
            return first >= next;
        }
    }

    /**
     * Takes the mailbox's \Recent messages for one session (RFC 3501 section 2.3.2: "this session
     * is the first session to have been notified about this message"): those that arrived since the
     * last claim, up to the mailbox's UIDNEXT as this call reads it. Later sessions see none of them
     * as recent; a message that arrives after the claim is left for the next one.
     */
    RecentClaim claimRecent(long accountId, long mailboxId);

    /** The first UID that is still \\Recent, without claiming anything (EXAMINE, RFC 3501 section 6.3.2). */
    long recentUid(long accountId, long mailboxId);

    /** Where one message went by COPY or MOVE: its UID in the source and in the target. */
    record Copied(long sourceUid, long targetUid) {}

    /**
     * Copies messages (missing UIDs are skipped) to another mailbox of the account in UID order, with
     * their flags and internal dates; with {@code move} the originals are expunged in the same
     * transaction (RFC 6851).
     */
    List<Copied> copy(long accountId, long fromMailbox, Collection<Long> uids, long toMailbox, boolean move);

    /** The same between the mailboxes of two accounts (a shared mailbox and a personal one), in one transaction. */
    List<Copied> copy(long fromAccount, long fromMailbox, Collection<Long> uids, long toAccount, long toMailbox, boolean move);

    /**
     * Files one message into every target in one transaction: all copies or none. A missing target
     * mailbox is created. Returns where each copy landed, in target order; a target whose once-key
     * the account has already seen is skipped and has no entry.
     */
    List<Delivery.Filed> deliver(Delivery delivery, List<Delivery.Target> targets);

    /**
     * Files a batch of imported messages for one account in one transaction, in order, creating
     * missing mailboxes. Each message is either filed and journaled, found in the journal and
     * skipped, or refused for the account's quota; the outcomes are in batch order.
     */
    List<Import.Outcome> importMessages(long accountId, List<Import> batch);

    /** The journal's items for one source folder: what earlier runs of an import have filed from it. */
    Set<String> importedItems(long accountId, String source, String folder, long uidValidity);

    /** Forgets the once-keys of deliveries older than this (they only need to outlive a queue entry's retries). */
    int forgetDeliveryKeys(Instant olderThan);

    /** The messages of a mailbox in UID order. */
    List<MessageSummary> messages(long accountId, long mailboxId);

    /**
     * What selecting a mailbox needs, without a summary per message: the UIDs in order with each
     * one's flags (messages with the same flags share one set) and MODSEQ, every flag in use, and
     * the first unseen UID (0 if none). Cheap enough for thousands of sessions at once.
     */
    record Listing(long[] uids, List<Set<String>> flags, long[] modseqs, Set<String> flagsInUse, long firstUnseenUid) {}

    Listing listing(long accountId, long mailboxId);

    /** The given messages of a mailbox (missing UIDs skipped), in UID order. */
    List<MessageSummary> messages(long accountId, long mailboxId, Collection<Long> uids);

    Optional<ParsedMessage> structure(long accountId, long mailboxId, long uid);

    /**
     * The structure of a message the caller has read the summary of. A structure is the parse of the
     * message's bytes, which its blob id names, so one known by that id (from any mailbox, any
     * session) is the answer without reading the database; empty when it is not known and the
     * message has been expunged meanwhile.
     */
    Optional<ParsedMessage> structure(long accountId, long mailboxId, MessageSummary message);

    /** A message by where it is, with what ordering and threading need. */
    record Located(long mailboxId, long uid, Instant internalDate, long threadId) {}

    /**
     * A page of a mailbox, newest internal date first (then highest UID), read from an index in
     * that order rather than by listing the mailbox: JMAP Email/query's common case.
     */
    List<Located> newestFirst(long accountId, long mailboxId, long offset, int limit);

    /**
     * Every message of one thread, oldest internal date first (then mailbox, UID). A message joins
     * the thread of a message already in the account whose Message-ID it names in In-Reply-To or
     * References, or that has its own Message-ID; otherwise it starts one, numbered
     * {@code mailboxId << 32 | uid} after where it was filed. COPY and MOVE keep the thread.
     */
    List<Located> thread(long accountId, long threadId);

    enum FlagChange { ADD, REMOVE, REPLACE }

    /** Changes flags of the given UIDs (missing ones are skipped); returns the MODSEQ of the change, 0 if nothing changed. */
    long updateFlags(long accountId, long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags);

    /**
     * Like {@link #updateFlags}, but leaves alone messages whose MODSEQ is above
     * {@code unchangedSince} (RFC 7162 section 3.1.3, STORE UNCHANGEDSINCE) and returns their UIDs.
     */
    List<Long> updateFlagsUnchangedSince(long accountId, long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince);

    /** Removes the given UIDs (missing ones are skipped) and logs the expunges; returns the MODSEQ, 0 if nothing was removed. */
    long expunge(long accountId, long mailboxId, Collection<Long> uids);

    /**
     * Like {@link #expunge}, but only those of the given UIDs that are flagged \Deleted when the
     * write runs: IMAP's EXPUNGE, which a session decides from flags it read a moment before.
     */
    long expungeDeleted(long accountId, long mailboxId, Collection<Long> uids);

    /** Change log entries with MODSEQ greater than {@code modseq}, oldest first. */
    List<Change> changesSince(long accountId, long modseq);

    /** The same, for one mailbox. */
    List<Change> changesSince(long accountId, long mailboxId, long modseq);

    /** Where a SEARCH text key looks (RFC 3501 and RFC 9051 section 6.4.4): one header field, the body, or the whole message. */
    enum TextField { SUBJECT, FROM, TO, CC, BCC, BODY, TEXT }

    /**
     * What the full-text index knows of a search string in one mailbox: the UIDs whose text certainly
     * contains it ({@code matching}), and those it cannot tell about ({@code unsure}: stored before the
     * index and not caught up yet, or indexed only in part), which the caller checks itself. No other
     * message of the mailbox contains it.
     */
    record TextMatches(Set<Long> matching, Set<Long> unsure) {}

    /**
     * Looks a SEARCH string up in the full-text index, with SEARCH's comparison: case-insensitive
     * substring ({@link mailroom.core.mime.MessageText#fold}). Empty when the index cannot answer
     * for this string (too short for it, or holding a character it does not index): then every
     * message has to be checked.
     */
    Optional<TextMatches> textMatches(long accountId, long mailboxId, TextField field, String text);

    /**
     * Indexes up to {@code max} stored messages whose text is not in the full-text index yet (those
     * stored before it existed); returns how many it took from that backlog, 0 once it is empty.
     */
    int indexTextBacklog(int max);

    /** Total size of the account's messages, for quotas. */
    long accountSize(long accountId);

    long highestModseq(long accountId);

    /** Removes all mail of an account (its whole key range); its blobs become candidates for collection. */
    void deleteAccountData(long accountId);

    /**
     * Deletes the blobs that lost their last reference before {@code orphanedBefore} and have not
     * gained one since; returns how many. Runs serialised with deliveries, which refuse to file a
     * blob that is gone, so a message never points to missing bytes.
     */
    int collectBlobs(java.time.Instant orphanedBefore);
}
