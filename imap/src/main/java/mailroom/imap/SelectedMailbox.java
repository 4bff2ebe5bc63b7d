package mailroom.imap;

import mailroom.core.event.EventBus;
import mailroom.core.event.MailboxEvent;
import mailroom.imap.codec.ImapWriter;
import mailroom.imap.codec.SequenceSet;
import mailroom.storage.Change;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The selected mailbox as this session has told the client about it: the message sequence (number
 * n is the n-th UID), and the position in the mailbox's change log up to which it has read. After
 * every command {@link #refresh} reads the log on from there and yields the untagged responses that
 * bring the client up to date. Commands answer from what the session holds: flags from a
 * {@link FlagCache} that follows the log, and what never changes about a message from the node's
 * {@link MessageFacts}; neither reads a row but for messages no session has read yet. As Dovecot's
 * view of its index, this is the mailbox as of the last read: a change made since is told at the
 * end of the command. IDLE lets the flag cache go, so an idle session holding a large mailbox
 * costs little.
 */
final class SelectedMailbox implements AutoCloseable {
    /**
     * How long the change log goes unread while no event announces a change of the mailbox. Every
     * write through this node's storage publishes one before it returns (so a session's own writes
     * are always read), and in a cluster the other nodes' arrive by LISTEN/NOTIFY; this bounds only
     * the delay of a change no event announced: a notification lost while the database failed
     * over, a command-line tool writing to the embedded store.
     */
    static final java.time.Duration UNANNOUNCED = java.time.Duration.ofSeconds(1);

    final Mailbox mailbox;
    /** How the session reached the mailbox: its own, or shared with it, with the rights it holds there. */
    final Places.Place place;
    final boolean readOnly;
    /** The UIDs this reader has seen, where \Seen is kept per reader (a shared mailbox); null where the stored flag is everyone's. */
    private final java.util.function.Supplier<Set<Long>> readerSeen;
    private final UidList uids = new UidList();
    /** Expunged in storage but not yet announced: they keep their sequence numbers until then. */
    private final Set<Long> expungePending = new TreeSet<>();
    /** Per UID, the MODSEQ of the flags this command has already told the client (STORE, FETCH): not told again. */
    private final Map<Long, Long> told = new HashMap<>();
    /** Read from the log, not yet told: the newest flag change of each message the client knows, and new UIDs. */
    private final TreeMap<Long, Change> flagsChanged = new TreeMap<>();
    private final TreeSet<Long> arrived = new TreeSet<>();
    /** Whether the log was read since the command's last write, so the read after the command can be spared. */
    private boolean caughtUp;
    /**
     * The UIDs that are \Recent in this session: the ranges it claimed, at SELECT and whenever new
     * mail showed up. Only those: another session with the mailbox selected may have claimed the
     * messages in between (RFC 3501 section 2.3.2). A read-only session claims nothing and sees as
     * recent whatever nobody has claimed yet.
     */
    private final List<MailStore.RecentClaim> recentClaims = new ArrayList<>(1);
    /** The flags announced in the last FLAGS response; a new keyword needs a new one (RFC 3501 section 7.2.6). */
    private final Set<String> knownFlags = new java.util.LinkedHashSet<>();
    /** The log has been read up to here. */
    private long knownModseq;
    private long knownUidNext;
    /** Made at SELECT; null after IDLE until a command needs it again. */
    private FlagCache flagCache;
    private final MessageFacts facts;
    /** Set by the event bus, on the writer's thread, when the mailbox may have changed; cleared as the log is read. */
    private final AtomicBoolean announced = new AtomicBoolean();
    private final AutoCloseable watch;
    /** When the change log (or SELECT's listing) was last read, by {@link System#nanoTime}. */
    private long lastRead;

    /**
     * Selects {@code mailbox} (as read before this call, so nothing racing with the listing is
     * missed) and reports, through {@code listing}, what SELECT tells the client about it.
     */
    SelectedMailbox(MailStore store, EventBus events, MessageFacts facts, Places.Place place, boolean readOnly,
                    java.util.function.Supplier<Set<Long>> readerSeen, java.util.function.Consumer<MailStore.Listing> listing) {
        this.mailbox = place.mailbox();
        this.facts = facts;
        this.place = place;
        this.readOnly = readOnly;
        this.readerSeen = place.seenPerReader() ? readerSeen : null;
        // Watching before the listing is read: a change the listing misses is announced.
        this.watch = events.subscribe(mailbox.accountId(), this::announce);
        try {
            read(store, listing);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void read(MailStore store, java.util.function.Consumer<MailStore.Listing> listing) {
        this.knownModseq = mailbox.highestModseq();
        // \Recent is claimed before listing: the listing is the large part, and should not wait on a write.
        // EXAMINE shows what is recent without taking it (RFC 3501 section 6.3.2).
        addRecent(readOnly ? new MailStore.RecentClaim(store.recentUid(mailbox.accountId(), mailbox.id()), Long.MAX_VALUE)
                : store.claimRecent(mailbox.accountId(), mailbox.id()));
        lastRead = System.nanoTime();
        MailStore.Listing all = store.listing(mailbox.accountId(), mailbox.id());
        for (long uid : all.uids()) uids.append(uid);
        knownFlags.addAll(MailboxCommands.SYSTEM_FLAGS);
        knownFlags.addAll(all.flagsInUse());
        flagCache = new FlagCache(all);
        listing.accept(all);
        this.knownUidNext = Math.max(mailbox.uidNext(), uids.max() + 1);
    }

    /** UIDs saved by SEARCH RETURN (SAVE), for "$" (RFC 5182); empty until a search saves. */
    private List<Long> savedSearch = List.of();

    List<Long> savedSearch() {
        return savedSearch;
    }

    void saveSearch(List<Long> uids) {
        savedSearch = List.copyOf(uids);
    }

    int exists() {
        return uids.size();
    }

    int recent() {
        long count = 0;
        for (var claim : recentClaims) count += uids.countAtLeast(claim.first()) - uids.countAtLeast(claim.next());
        return (int) count;
    }

    boolean isRecent(long uid) {
        for (var claim : recentClaims) if (claim.contains(uid)) return true;
        return false;
    }

    /** Adds a claim, joined to the last one where it continues it (the usual case: no other session took any between). */
    private void addRecent(MailStore.RecentClaim claim) {
        if (claim.isEmpty()) return;
        int last = recentClaims.size() - 1;
        if (last >= 0 && recentClaims.get(last).next() == claim.first()) {
            recentClaims.set(last, new MailStore.RecentClaim(recentClaims.get(last).first(), claim.next()));
        } else {
            recentClaims.add(claim);
        }
    }

    long uidNext() {
        return knownUidNext;
    }

    long uidAt(int seq) {
        return uids.uidAt(seq);
    }

    /** The sequence number of a UID, or 0 when it is not (or no longer) in the mailbox. */
    int seqOf(long uid) {
        return uids.seqOf(uid);
    }

    long maxUid() {
        return uids.max();
    }

    /** Whether messages the client still sees were expunged (by another session) and not yet announced. */
    boolean expungePending() {
        return !expungePending.isEmpty();
    }

    /** UIDs the client knows, in order, without those expunged meanwhile. */
    List<Long> liveUids() {
        List<Long> out = new ArrayList<>(uids.size());
        uids.forEach(u -> {
            if (!expungePending.contains(u)) out.add(u);
        });
        return out;
    }

    /**
     * Those of {@code wanted} that the client still sees and storage had at the last read of the log,
     * in UID order, with their flags as of that read. Blob, size and date are read only for messages
     * the node has not read before (and one expunged since the last read is then left out).
     */
    List<MessageSummary> summaries(MailStore store, Collection<Long> wanted) {
        FlagCache cache = flagCache(store);
        long account = mailbox.accountId(), box = mailbox.id();
        long[] asked = wanted.stream().mapToLong(Long::longValue).sorted().toArray();
        MessageFacts.Fact[] found = new MessageFacts.Fact[asked.length];
        List<Long> missing = new ArrayList<>();
        for (int i = 0; i < asked.length; i++) {
            long uid = asked[i];
            if (!isVisible(uid) || cache.indexOf(uid) < 0) continue;
            found[i] = facts.get(account, box, uid);
            if (found[i] == null) missing.add(uid);
        }
        Map<Long, MessageFacts.Fact> read = missing.isEmpty() ? Map.of() : readFacts(store, missing);
        List<MessageSummary> out = new ArrayList<>(asked.length);
        for (int i = 0; i < asked.length; i++) {
            var fact = found[i] != null ? found[i] : read.get(asked[i]);
            if (fact == null) continue;
            int at = cache.indexOf(asked[i]);
            out.add(new MessageSummary(asked[i], fact.blobId(), fact.size(), fact.internalDate(), cache.flagsAt(at), cache.modseqAt(at)));
        }
        return asReaderSees(out);
    }

    /** Reads what the node did not know about {@code missing}, and keeps it unless the read was a large one. */
    private Map<Long, MessageFacts.Fact> readFacts(MailStore store, List<Long> missing) {
        long account = mailbox.accountId(), box = mailbox.id();
        boolean keep = missing.size() <= MessageFacts.LARGEST_KEPT_READ;
        Map<Long, MessageFacts.Fact> read = new HashMap<>();
        for (MessageSummary m : store.messages(account, box, missing)) {
            var fact = MessageFacts.factOf(m);
            read.put(m.uid(), fact);
            if (keep) facts.put(account, box, m.uid(), fact);
        }
        return read;
    }

    /** Like {@link #summaries}, but carrying only UID, flags and MODSEQ, so nothing is read. */
    List<MessageSummary> flagSummaries(MailStore store, Collection<Long> wanted) {
        return asReaderSees(visible(flagCache(store).flagsOf(wanted)));
    }

    /** The flag cache, made again from a listing if IDLE let it go (the log read after it brings it up to date). */
    private FlagCache flagCache(MailStore store) {
        if (flagCache == null) flagCache = new FlagCache(store.listing(mailbox.accountId(), mailbox.id()));
        return flagCache;
    }

    boolean seenPerReader() {
        return readerSeen != null;
    }

    /**
     * The flags as this reader sees them: in a mailbox whose \Seen is kept per reader (RFC 4314
     * shared mailboxes, so each member of a help desk has its own unread count), its own \Seen
     * replaces the stored one.
     */
    private List<MessageSummary> asReaderSees(List<MessageSummary> messages) {
        if (readerSeen == null || messages.isEmpty()) return messages;
        Set<Long> seen = readerSeen.get();
        List<MessageSummary> out = new ArrayList<>(messages.size());
        for (MessageSummary m : messages) {
            boolean isSeen = seen.contains(m.uid());
            if (isSeen == m.flags().contains("\\Seen")) {
                out.add(m);
                continue;
            }
            Set<String> flags = new java.util.LinkedHashSet<>(m.flags());
            if (isSeen) flags.add("\\Seen");
            else flags.remove("\\Seen");
            out.add(new MessageSummary(m.uid(), m.blobId(), m.size(), m.internalDate(), flags, m.modseq()));
        }
        return out;
    }

    /** The first UID the reader has not seen, 0 if none: SELECT's UNSEEN where \Seen is per reader. */
    long firstUnseenUid(MailStore.Listing listing) {
        if (readerSeen == null) return listing.firstUnseenUid();
        Set<Long> seen = readerSeen.get();
        for (long uid : listing.uids()) if (!seen.contains(uid)) return uid;
        return 0;
    }

    /** Those of {@code messages} that the client knows and has not been told are expunged. */
    private List<MessageSummary> visible(List<MessageSummary> messages) {
        List<MessageSummary> out = new ArrayList<>(messages.size());
        for (MessageSummary m : messages) if (isVisible(m.uid())) out.add(m);
        return out;
    }

    private boolean isVisible(long uid) {
        return uids.contains(uid) && (expungePending.isEmpty() || !expungePending.contains(uid));
    }

    /** Drops the flag cache while the session idles; the next command that needs flags makes it again. */
    void forgetFlags() {
        flagCache = null;
    }

    /** Notes flags this command told the client, so {@link #refresh} does not tell the same again. */
    void told(MessageSummary m) {
        told.put(m.uid(), m.modseq());
    }

    long highestModseq() {
        return knownModseq;
    }

    /**
     * Reads the mailbox's change log on from the last read, if an event announced a change since or
     * that read is {@link #UNANNOUNCED} old: the flag cache follows it, and what the client is to be
     * told waits for {@link #refresh}, which then need not read it again. So a command that writes
     * calls this after its last write or not at all: FETCH, SEARCH and SORT before they answer,
     * STORE after its write, EXPUNGE before and after.
     */
    void catchUp(MailStore store) {
        if (announced.getAndSet(false) || System.nanoTime() - lastRead >= UNANNOUNCED.toNanos()) {
            lastRead = System.nanoTime();
            try {
                apply(store.changesSince(mailbox.accountId(), mailbox.id(), knownModseq));
            } catch (RuntimeException e) {
                announced.set(true); // storage failing over, say: read at the next command
                throw e;
            }
        }
        caughtUp = true;
    }

    private void apply(List<Change> changes) {
        for (Change c : changes) {
            knownModseq = Math.max(knownModseq, c.modseq());
            switch (c.kind()) {
                case ADDED -> { if (c.uid() >= knownUidNext) arrived.add(c.uid()); }
                case FLAGS -> { if (uids.contains(c.uid())) flagsChanged.put(c.uid(), c); }
                case EXPUNGED -> {
                    if (uids.contains(c.uid())) expungePending.add(c.uid());
                    arrived.remove(c.uid());
                    flagsChanged.remove(c.uid());
                }
            }
        }
        if (flagCache != null) flagCache.apply(changes);
    }

    /** An event of the account: if it concerns this mailbox, the next {@link #catchUp} reads the log. */
    void announce(MailboxEvent event) {
        if (event.concerns(mailbox.id())) announced.set(true);
    }

    /** Stops watching the event bus: the session left the mailbox or ended. */
    @Override
    public void close() {
        try {
            watch.close();
        } catch (Exception e) {
            throw new IllegalStateException(e); // the bus's handle only removes a listener
        }
    }

    /**
     * Reads the log (unless the command just did) and returns the untagged responses that bring
     * the client up to date: flag changes as FETCH, expunges as EXPUNGE or VANISHED (only when
     * {@code mayExpunge}), new messages as EXISTS and RECENT.
     */
    List<String> refresh(MailStore store, boolean mayExpunge, ImapSession session) {
        if (!caughtUp) catchUp(store);
        caughtUp = false;
        List<String> out = new ArrayList<>();
        if (mayExpunge && !expungePending.isEmpty()) {
            if (session.enabled.contains("QRESYNC")) {
                out.add("VANISHED " + SequenceSet.compact(new ArrayList<>(expungePending)));
                expungePending.forEach(uids::remove);
            } else {
                // Highest first, so each number is still valid when the client reads it.
                List<Long> gone = new ArrayList<>(expungePending);
                Collections.reverse(gone);
                for (long uid : gone) {
                    out.add(seqOf(uid) + " EXPUNGE");
                    uids.remove(uid);
                }
            }
            expungePending.clear();
        }
        if (!flagsChanged.isEmpty()) {
            List<MessageSummary> changed = new ArrayList<>(flagsChanged.size());
            for (Change c : flagsChanged.values()) {
                if (told.getOrDefault(c.uid(), -1L) != c.modseq()) changed.add(new MessageSummary(c.uid(), null, 0, null, c.flags(), c.modseq()));
            }
            flagsChanged.clear();
            changed = asReaderSees(changed);
            out.addAll(announceFlags(changed));
            for (MessageSummary m : changed) out.add(seqOf(m.uid()) + " FETCH (" + fetchFlags(m, session) + ")");
        }
        told.clear();
        if (!arrived.isEmpty()) {
            arrived.forEach(uids::append);
            // New mail is \Recent for the session that has the mailbox selected, so nobody else sees it as such.
            if (!readOnly) addRecent(store.claimRecent(mailbox.accountId(), mailbox.id()));
            knownUidNext = Math.max(knownUidNext, arrived.last() + 1);
            arrived.clear();
            out.add(uids.size() + " EXISTS");
            if (!session.imap4rev2()) out.add(recent() + " RECENT");
        }
        return out;
    }

    /** FLAGS and PERMANENTFLAGS responses when {@code messages} carry keywords the client has not been told of. */
    List<String> announceFlags(Collection<MessageSummary> messages) {
        boolean grew = false;
        Set<Set<String>> looked = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()); // listings share flag sets
        for (MessageSummary m : messages) if (looked.add(m.flags())) grew |= knownFlags.addAll(m.flags());
        if (!grew) return List.of();
        List<String> permanent = new ArrayList<>(knownFlags);
        permanent.add("\\*");
        return List.of("FLAGS " + ImapWriter.list(knownFlags), "OK [PERMANENTFLAGS " + (readOnly ? "()" : ImapWriter.list(permanent)) + "] Flags permitted");
    }

    /** "UID n FLAGS (...)" and MODSEQ when CONDSTORE is on: how flag updates are reported. */
    String fetchFlags(MessageSummary m, ImapSession session) {
        StringBuilder sb = new StringBuilder("UID ").append(m.uid()).append(" FLAGS ").append(flagList(m, session));
        if (session.condstore()) sb.append(" MODSEQ (").append(m.modseq()).append(')');
        return sb.toString();
    }

    /** The flags as the client sees them: \Recent is added for IMAP4rev1 sessions (RFC 9051 dropped it). */
    String flagList(MessageSummary m, ImapSession session) {
        return appendFlagList(new StringBuilder(), m, session).toString();
    }

    StringBuilder appendFlagList(StringBuilder sb, MessageSummary m, ImapSession session) {
        sb.append('(');
        for (String flag : m.flags()) sb.append(flag).append(' ');
        if (isRecent(m.uid()) && !session.imap4rev2()) sb.append("\\Recent ");
        if (sb.charAt(sb.length() - 1) == ' ') sb.setLength(sb.length() - 1);
        return sb.append(')');
    }
}
