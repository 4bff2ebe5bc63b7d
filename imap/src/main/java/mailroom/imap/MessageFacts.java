package mailroom.imap;

import mailroom.storage.MessageSummary;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What never changes about a stored message, its blob, size and arrival date, for every session
 * of the node, so that a FETCH of messages some session has read before reads no row: the flags,
 * which do change, come from the session's {@link FlagCache}. An account, a mailbox within it and a
 * UID within that are never given to anything else (accounts and mailboxes are numbered by
 * counters that only grow, UIDs too), so an entry cannot go stale; one of an expunged message is
 * merely never asked for again.
 */
final class MessageFacts {
    /** About 250 bytes an entry: a node's working set of mailboxes, in some tens of megabytes. */
    private static final int LIMIT = 100_000;
    /** A read of more than this many (a SEARCH or SORT over a large mailbox) is not kept: it would sweep out the working set. */
    static final int LARGEST_KEPT_READ = 1_000;

    record Fact(String blobId, long size, Instant internalDate) {}

    private record Key(long accountId, long mailboxId, long uid) {}

    private final ConcurrentHashMap<Key, Fact> known = new ConcurrentHashMap<>();

    Fact get(long accountId, long mailboxId, long uid) {
        return known.get(new Key(accountId, mailboxId, uid));
    }

    void put(long accountId, long mailboxId, long uid, Fact fact) {
        if (known.size() >= LIMIT) known.clear(); // crude, as for parsed structures: a working set refills at once
        known.put(new Key(accountId, mailboxId, uid), fact);
    }

    static Fact factOf(MessageSummary m) {
        return new Fact(m.blobId(), m.size(), m.internalDate());
    }
}
