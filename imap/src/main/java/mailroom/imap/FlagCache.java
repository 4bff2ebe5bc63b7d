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

/**
 * The flags and MODSEQ of every message of the selected mailbox as storage has them, so that FETCH,
 * STORE's answer and EXPUNGE read no rows for them, and a client's flag resynchronisation (FETCH
 * 1:* (FLAGS), which Thunderbird and others send after SELECT) is answered from memory. It starts
 * from SELECT's listing and follows the mailbox's change log, which records changes made by every
 * session on every node, with the flags each change left: the session hands it whatever it reads
 * from the log. This is the storage's view, not the client's: the selected mailbox
 * filters it to the messages the client has been told about.
 */
final class FlagCache {
    private long[] uids;
    private List<Set<String>> flags;
    private long[] modseqs;
    private int size;

    /** From {@code listing}; changes logged while or after it was read are then applied to it. */
    FlagCache(MailStore.Listing listing) {
        this.uids = listing.uids();
        this.flags = new ArrayList<>(listing.flags());
        this.modseqs = listing.modseqs();
        this.size = uids.length;
    }

    /**
     * Applies entries of the change log, in their order. An entry the listing already reflected may
     * come again: applied in order up to the newest, it leaves what the newest says.
     */
    void apply(List<Change> changes) {
        Set<Long> expunged = null;
        for (Change c : changes) {
            if (c.kind() == Change.Kind.EXPUNGED) {
                if (expunged == null) expunged = new HashSet<>();
                expunged.add(c.uid());
            } else {
                put(c.uid(), c.flags(), c.modseq());
            }
        }
        // Removed last, together: a UID is never given again, so nothing after its expunge brings it back.
        if (expunged != null) removeAll(expunged);
    }

    /** The position of {@code uid}, or a negative number when storage no longer has it. */
    int indexOf(long uid) {
        return Arrays.binarySearch(uids, 0, size, uid);
    }

    Set<String> flagsAt(int index) {
        return flags.get(index);
    }

    long modseqAt(int index) {
        return modseqs[index];
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
