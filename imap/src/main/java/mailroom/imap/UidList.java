package mailroom.imap;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The UIDs of a selected mailbox in order, stored as runs of consecutive UIDs. A mailbox's UIDs are
 * mostly consecutive (gaps come only from expunges), so 100,000 messages usually take a few runs,
 * not 100,000 entries: this is what lets thousands of sessions keep large mailboxes selected.
 * Message sequence number n is the n-th UID.
 */
final class UidList {
    private long[] starts = new long[4], ends = new long[4];
    /** before[i]: how many UIDs the runs before run i hold. */
    private long[] before = new long[4];
    private int runs;
    private long size;

    int size() {
        return (int) size;
    }

    long max() {
        return runs == 0 ? 0 : ends[runs - 1];
    }

    /** Adds a UID above all present ones. */
    void append(long uid) {
        if (runs > 0 && uid <= ends[runs - 1]) throw new IllegalArgumentException("UIDs ascend: " + uid);
        if (runs > 0 && uid == ends[runs - 1] + 1) {
            ends[runs - 1] = uid;
        } else {
            grow();
            starts[runs] = uid;
            ends[runs] = uid;
            before[runs] = size;
            runs++;
        }
        size++;
    }

    private void grow() {
        if (runs == starts.length) {
            starts = Arrays.copyOf(starts, runs * 2);
            ends = Arrays.copyOf(ends, runs * 2);
            before = Arrays.copyOf(before, runs * 2);
        }
    }

    /** The run holding {@code uid}, or -1. */
    private int runOf(long uid) {
        int lo = 0, hi = runs - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (uid < starts[mid]) hi = mid - 1;
            else if (uid > ends[mid]) lo = mid + 1;
            else return mid;
        }
        return -1;
    }

    /** The sequence number of {@code uid}, 0 when absent. */
    int seqOf(long uid) {
        int r = runOf(uid);
        return r < 0 ? 0 : (int) (before[r] + (uid - starts[r]) + 1);
    }

    /** The UID with sequence number {@code seq} (1-based). */
    long uidAt(int seq) {
        long index = seq - 1;
        int lo = 0, hi = runs - 1;
        while (lo < hi) { // the last run whose 'before' is <= index
            int mid = (lo + hi + 1) >>> 1;
            if (before[mid] <= index) lo = mid;
            else hi = mid - 1;
        }
        return starts[lo] + (index - before[lo]);
    }

    boolean contains(long uid) {
        return runOf(uid) >= 0;
    }

    /** Removes a UID, splitting its run when it sat inside one. */
    void remove(long uid) {
        int r = runOf(uid);
        if (r < 0) return;
        int shiftFrom; // runs from here on start one UID earlier in the sequence
        if (starts[r] == ends[r]) {
            System.arraycopy(starts, r + 1, starts, r, runs - r - 1);
            System.arraycopy(ends, r + 1, ends, r, runs - r - 1);
            System.arraycopy(before, r + 1, before, r, runs - r - 1);
            runs--;
            shiftFrom = r;
        } else if (uid == starts[r]) {
            starts[r]++;
            shiftFrom = r + 1;
        } else if (uid == ends[r]) {
            ends[r]--;
            shiftFrom = r + 1;
        } else {
            grow();
            System.arraycopy(starts, r + 1, starts, r + 2, runs - r - 1);
            System.arraycopy(ends, r + 1, ends, r + 2, runs - r - 1);
            System.arraycopy(before, r + 1, before, r + 2, runs - r - 1);
            starts[r + 1] = uid + 1;
            ends[r + 1] = ends[r];
            ends[r] = uid - 1;
            before[r + 1] = before[r] + (ends[r] - starts[r] + 1);
            runs++;
            shiftFrom = r + 2;
        }
        size--;
        for (int i = shiftFrom; i < runs; i++) before[i]--;
    }

    /** How many UIDs are at least {@code uid}. */
    long countAtLeast(long uid) {
        long n = 0;
        for (int r = runs - 1; r >= 0 && ends[r] >= uid; r--) n += ends[r] - Math.max(starts[r], uid) + 1;
        return n;
    }

    void forEach(LongConsumer action) {
        for (int r = 0; r < runs; r++) for (long u = starts[r]; u <= ends[r]; u++) action.accept(u);
    }
}
