package mailroom.imap;

import mailroom.imap.codec.ImapWriter;
import mailroom.storage.Change;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The selected mailbox as this session has told the client about it: the message sequence
 * (number n is {@code uids.get(n - 1)}), each message's flags and MODSEQ, and the position in the
 * account's change log up to which the client is current. {@link #refresh} reads the log from
 * there and yields the untagged responses that bring the client up to date.
 */
final class SelectedMailbox {
    final Mailbox mailbox;
    final boolean readOnly;
    private final List<Long> uids = new ArrayList<>();
    private final Map<Long, MessageSummary> messages = new HashMap<>();
    /** Expunged in storage but not yet announced: they keep their sequence numbers until then. */
    private final Set<Long> expungePending = new TreeSet<>();
    private final long firstRecentUid;
    private long knownModseq;
    private long knownUidNext;

    SelectedMailbox(MailStore store, Mailbox mailbox, boolean readOnly) {
        this.mailbox = mailbox;
        this.readOnly = readOnly;
        // The mailbox row was read before the listing: a change racing with it is reported again, never missed.
        this.knownModseq = mailbox.highestModseq();
        for (MessageSummary m : store.messages(mailbox.accountId(), mailbox.id())) add(m);
        this.firstRecentUid = readOnly ? Long.MAX_VALUE : store.claimRecent(mailbox.accountId(), mailbox.id());
        this.knownUidNext = Math.max(mailbox.uidNext(), uids.isEmpty() ? 1 : uids.get(uids.size() - 1) + 1);
    }

    private void add(MessageSummary m) {
        uids.add(m.uid());
        messages.put(m.uid(), m);
    }

    int exists() {
        return uids.size();
    }

    int recent() {
        int n = 0;
        for (int i = uids.size() - 1; i >= 0 && uids.get(i) >= firstRecentUid; i--) n++;
        return n;
    }

    boolean isRecent(long uid) {
        return uid >= firstRecentUid;
    }

    long uidNext() {
        return knownUidNext;
    }

    long uidAt(int seq) {
        return uids.get(seq - 1);
    }

    /** The sequence number of a UID, or 0 when it is not (or no longer) in the mailbox. */
    int seqOf(long uid) {
        int i = Collections.binarySearch(uids, uid);
        return i < 0 ? 0 : i + 1;
    }

    long maxUid() {
        return uids.isEmpty() ? 0 : uids.get(uids.size() - 1);
    }

    /** The client's view of a message; null once it has been expunged (announced or not). */
    MessageSummary message(long uid) {
        return expungePending.contains(uid) ? null : messages.get(uid);
    }

    List<Long> uids() {
        return Collections.unmodifiableList(uids);
    }

    /** Records flags this session set itself with STORE .SILENT, so they are not reported back. */
    void updated(MessageSummary m) {
        if (messages.containsKey(m.uid())) messages.put(m.uid(), m);
    }

    long highestModseq() {
        return knownModseq;
    }

    /**
     * Reads the changes since the client was last told, and returns the untagged responses: flag
     * changes as FETCH, expunges as EXPUNGE (only when {@code mayExpunge}), new messages as EXISTS
     * and RECENT.
     */
    List<String> refresh(MailStore store, boolean mayExpunge, ImapSession session) {
        List<String> out = new ArrayList<>();
        long account = mailbox.accountId();
        List<Change> changes = store.changesSince(account, mailbox.id(), knownModseq);
        TreeSet<Long> flagged = new TreeSet<>(), added = new TreeSet<>();
        for (Change c : changes) {
            knownModseq = Math.max(knownModseq, c.modseq());
            switch (c.kind()) {
                case ADDED -> { if (c.uid() >= knownUidNext) added.add(c.uid()); }
                case FLAGS -> { if (messages.containsKey(c.uid())) flagged.add(c.uid()); }
                case EXPUNGED -> {
                    if (messages.containsKey(c.uid())) expungePending.add(c.uid());
                    added.remove(c.uid());
                    flagged.remove(c.uid());
                }
            }
        }
        if (mayExpunge && !expungePending.isEmpty()) {
            // Highest first, so each number is still valid when the client reads it.
            List<Long> gone = new ArrayList<>(expungePending);
            Collections.reverse(gone);
            if (session.enabled.contains("QRESYNC")) {
                out.add("VANISHED " + mailroom.imap.codec.SequenceSet.compact(new ArrayList<>(expungePending)));
                for (long uid : gone) remove(uid);
            } else {
                for (long uid : gone) {
                    out.add(seqOf(uid) + " EXPUNGE");
                    remove(uid);
                }
            }
            expungePending.clear();
        }
        flagged.removeAll(expungePending);
        for (MessageSummary m : store.messages(account, mailbox.id(), flagged)) {
            MessageSummary before = messages.put(m.uid(), m);
            boolean news = before == null || !before.flags().equals(m.flags()) || (session.condstore() && before.modseq() != m.modseq());
            if (!news) continue; // this session already reported it (its own STORE)
            out.add(seqOf(m.uid()) + " FETCH (" + fetchFlags(m, session) + ")");
        }
        if (!added.isEmpty()) {
            for (MessageSummary m : store.messages(account, mailbox.id(), added)) add(m);
            knownUidNext = Math.max(knownUidNext, added.last() + 1);
            out.add(uids.size() + " EXISTS");
            if (!session.imap4rev2()) out.add(recent() + " RECENT");
        }
        return out;
    }

    private void remove(long uid) {
        int seq = seqOf(uid);
        if (seq > 0) uids.remove(seq - 1);
        messages.remove(uid);
    }

    /** "FLAGS (...)" with UID, and MODSEQ when CONDSTORE is on: how flag updates are reported. */
    String fetchFlags(MessageSummary m, ImapSession session) {
        StringBuilder sb = new StringBuilder("UID ").append(m.uid()).append(" FLAGS ").append(flagList(m, session));
        if (session.condstore()) sb.append(" MODSEQ (").append(m.modseq()).append(')');
        return sb.toString();
    }

    /** The flags as the client sees them: \\Recent is added for IMAP4rev1 sessions (RFC 9051 dropped it). */
    String flagList(MessageSummary m, ImapSession session) {
        List<String> flags = new ArrayList<>(m.flags());
        if (isRecent(m.uid()) && !session.imap4rev2()) flags.add("\\Recent");
        return ImapWriter.list(flags);
    }
}
