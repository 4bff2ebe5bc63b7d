package mailroom.imap;

import mailroom.storage.Change;
import mailroom.storage.MailStore;
import mailroom.storage.MessageSummary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The flags and MODSEQ of every message of the selected mailbox as storage has them, so that a
 * client's flag resynchronisation (FETCH 1:* (FLAGS), which Thunderbird and others send after
 * SELECT) is answered from memory rather than by reading every row again. It starts from SELECT's
 * listing and, before each use, catches up with the mailbox's change log, which records changes
 * made by every session on every node. This is the storage's view, not the client's: the selected
 * mailbox filters it to the messages the client has been told about.
 */
final class FlagCache {
    private long[] uids;
    private List<Set<String>> flags;
    private long[] modseqs;
    private int size;
    /** Every change up to this MODSEQ is reflected (later ones may be too: applying one twice is harmless). */
    private long asOf;

    /** From {@code listing}, which was read after the account's MODSEQ was {@code asOf} (or later). */
    FlagCache(MailStore.Listing listing, long asOf) {
        this.uids = listing.uids();
        this.flags = new ArrayList<>(listing.flags());
        this.modseqs = listing.modseqs();
        this.size = uids.length;
        this.asOf = asOf;
    }

    /** Applies the changes logged since the last call: new flags and messages are read, expunged ones dropped. */
    void catchUp(MailStore store, long accountId, long mailboxId) {
        List<Change> changes = store.changesSince(accountId, mailboxId, asOf);
        if (changes.isEmpty()) return;
        Set<Long> touched = new TreeSet<>(), expunged = new HashSet<>();
        for (Change c : changes) {
            asOf = Math.max(asOf, c.modseq());
            if (c.kind() == Change.Kind.EXPUNGED) {
                touched.remove(c.uid());
                expunged.add(c.uid());
            } else {
                touched.add(c.uid());
            }
        }
        if (!expunged.isEmpty()) removeAll(expunged);
        for (MessageSummary m : store.messages(accountId, mailboxId, touched)) put(m.uid(), m.flags(), m.modseq());
    }

    /**
     * Summaries of the messages of {@code wanted} (ascending UIDs) that storage still has, carrying
     * only UID, flags and MODSEQ: the blob, size and date are not kept here and are null or zero.
     */
    List<MessageSummary> flagsOf(Collection<Long> wanted) {
        List<MessageSummary> out = new ArrayList<>(wanted.size());
        for (long uid : wanted) {
            int i = Arrays.binarySearch(uids, 0, size, uid);
            if (i >= 0) out.add(new MessageSummary(uid, null, 0, null, flags.get(i), modseqs[i]));
        }
        return out;
    }

    private void put(long uid, Set<String> messageFlags, long modseq) {
        int i = Arrays.binarySearch(uids, 0, size, uid);
        if (i >= 0) {
            flags.set(i, messageFlags);
            modseqs[i] = modseq;
            return;
        }
        int at = -i - 1; // new messages have the highest UIDs, so this is nearly always the end
        if (size == uids.length) {
            uids = Arrays.copyOf(uids, Math.max(16, size * 2));
            modseqs = Arrays.copyOf(modseqs, uids.length);
        }
        System.arraycopy(uids, at, uids, at + 1, size - at);
        System.arraycopy(modseqs, at, modseqs, at + 1, size - at);
        uids[at] = uid;
        modseqs[at] = modseq;
        flags.add(at, messageFlags);
        size++;
    }

    private void removeAll(Set<Long> gone) {
        int kept = 0;
        List<Set<String>> keptFlags = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            if (gone.contains(uids[i])) continue;
            uids[kept] = uids[i];
            modseqs[kept] = modseqs[i];
            keptFlags.add(flags.get(i));
            kept++;
        }
        size = kept;
        flags = keptFlags;
    }
}
