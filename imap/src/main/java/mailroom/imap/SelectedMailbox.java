package mailroom.imap;

import mailroom.imap.codec.ImapWriter;
import mailroom.imap.codec.SequenceSet;
import mailroom.storage.Change;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The selected mailbox as this session has told the client about it: the message sequence (number
 * n is the n-th UID), and the position in the mailbox's change log up to which the client is
 * current. {@link #refresh} reads the log and yields the untagged responses that bring the client
 * up to date. Flags are read from the store when a command needs them, except for a FETCH of flags
 * alone, which is answered from a {@link FlagCache}; IDLE lets that go, so an idle session holding a
 * large mailbox costs little.
 */
final class SelectedMailbox {
    final Mailbox mailbox;
    /** How the session reached the mailbox: its own, or shared with it, with the rights it holds there. */
    final Places.Place place;
    final boolean readOnly;
    /** The UIDs this reader has seen, where \Seen is kept per reader (a shared mailbox); null where the stored flag is everyone's. */
    private final java.util.function.Supplier<Set<Long>> readerSeen;
    private final UidList uids = new UidList();
    /** Expunged in storage but not yet announced: they keep their sequence numbers until then. */
    private final Set<Long> expungePending = new TreeSet<>();
    /** MODSEQs of flag changes this session has already reported itself (its own STORE and FETCH). */
    private final Set<Long> reported = new HashSet<>();
    /**
     * The UIDs that are \Recent in this session: the ranges it claimed, at SELECT and whenever new
     * mail showed up. Only those: another session with the mailbox selected may have claimed the
     * messages in between (RFC 3501 section 2.3.2). A read-only session claims nothing and sees as
     * recent whatever nobody has claimed yet.
     */
    private final List<MailStore.RecentClaim> recentClaims = new ArrayList<>(1);
    /** The flags announced in the last FLAGS response; a new keyword needs a new one (RFC 3501 section 7.2.6). */
    private final Set<String> knownFlags = new java.util.LinkedHashSet<>();
    private long knownModseq;
    private long knownUidNext;
    /** Made at SELECT; null after IDLE until the next FETCH of flags makes it again. */
    private FlagCache flagCache;

    /**
     * Selects {@code mailbox} (as read before this call, so nothing racing with the listing is
     * missed) and reports, through {@code listing}, what SELECT tells the client about it.
     */
    SelectedMailbox(MailStore store, Places.Place place, boolean readOnly, java.util.function.Supplier<Set<Long>> readerSeen,
                    java.util.function.Consumer<MailStore.Listing> listing) {
        this.mailbox = place.mailbox();
        this.place = place;
        this.readOnly = readOnly;
        this.readerSeen = place.seenPerReader() ? readerSeen : null;
        Mailbox mailbox = place.mailbox();
        this.knownModseq = mailbox.highestModseq();
        // \Recent is claimed before listing: the listing is the large part, and should not wait on a write.
        // EXAMINE shows what is recent without taking it (RFC 3501 section 6.3.2).
        addRecent(readOnly ? new MailStore.RecentClaim(store.recentUid(mailbox.accountId(), mailbox.id()), Long.MAX_VALUE)
                : store.claimRecent(mailbox.accountId(), mailbox.id()));
        MailStore.Listing all = store.listing(mailbox.accountId(), mailbox.id());
        for (long uid : all.uids()) uids.append(uid);
        knownFlags.addAll(MailboxCommands.SYSTEM_FLAGS);
        knownFlags.addAll(all.flagsInUse());
        flagCache = new FlagCache(all, mailbox.highestModseq());
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

    /** The store's current data for those of {@code wanted} that the client still sees, in UID order. */
    List<MessageSummary> summaries(MailStore store, Collection<Long> wanted) {
        return asReaderSees(visible(store.messages(mailbox.accountId(), mailbox.id(), wanted)));
    }

    /** Like {@link #summaries}, but carrying only UID, flags and MODSEQ, which come from memory. */
    List<MessageSummary> flagSummaries(MailStore store, Collection<Long> wanted) {
        if (flagCache == null) {
            long asOf = store.highestModseq(mailbox.accountId()); // before the listing: later changes are caught up
            flagCache = new FlagCache(store.listing(mailbox.accountId(), mailbox.id()), asOf);
        }
        flagCache.catchUp(store, mailbox.accountId(), mailbox.id());
        return asReaderSees(visible(flagCache.flagsOf(wanted)));
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
        for (MessageSummary m : messages) {
            if (uids.contains(m.uid()) && (expungePending.isEmpty() || !expungePending.contains(m.uid()))) out.add(m);
        }
        return out;
    }

    /** Drops the flag cache while the session idles; the next FETCH of flags rebuilds it. */
    void forgetFlags() {
        flagCache = null;
    }

    /** Notes a flag change this session reported itself, so {@link #refresh} does not report it again. */
    void reported(long modseq) {
        if (modseq > 0) reported.add(modseq);
    }

    long highestModseq() {
        return knownModseq;
    }

    /**
     * Reads the changes since the client was last told, and returns the untagged responses: flag
     * changes as FETCH, expunges as EXPUNGE or VANISHED (only when {@code mayExpunge}), new
     * messages as EXISTS and RECENT.
     */
    List<String> refresh(MailStore store, boolean mayExpunge, ImapSession session) {
        List<String> out = new ArrayList<>();
        List<Change> changes = store.changesSince(mailbox.accountId(), mailbox.id(), knownModseq);
        TreeSet<Long> flagged = new TreeSet<>(), added = new TreeSet<>();
        for (Change c : changes) {
            knownModseq = Math.max(knownModseq, c.modseq());
            switch (c.kind()) {
                case ADDED -> { if (c.uid() >= knownUidNext) added.add(c.uid()); }
                case FLAGS -> { if (uids.contains(c.uid()) && !reported.contains(c.modseq())) flagged.add(c.uid()); }
                case EXPUNGED -> {
                    if (uids.contains(c.uid())) expungePending.add(c.uid());
                    added.remove(c.uid());
                    flagged.remove(c.uid());
                }
            }
        }
        reported.clear();
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
        if (!flagged.isEmpty()) {
            List<MessageSummary> changed = summaries(store, flagged);
            out.addAll(announceFlags(changed));
            for (MessageSummary m : changed) out.add(seqOf(m.uid()) + " FETCH (" + fetchFlags(m, session) + ")");
        }
        if (!added.isEmpty()) {
            added.forEach(uids::append);
            // New mail is \Recent for the session that has the mailbox selected, so nobody else sees it as such.
            if (!readOnly) addRecent(store.claimRecent(mailbox.accountId(), mailbox.id()));
            knownUidNext = Math.max(knownUidNext, added.last() + 1);
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
