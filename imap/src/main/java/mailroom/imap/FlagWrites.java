package mailroom.imap;

import mailroom.storage.MailStore;
import mailroom.storage.MailStore.FlagChange;
import mailroom.storage.MessageSummary;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Flag changes as the session may make them in the selected mailbox. In its own mailbox (every
 * right, one \Seen) a change goes to storage as asked. Elsewhere RFC 4314 section 4 applies: \Seen
 * needs "s", \Deleted needs "t", every other flag "w"; a flag the session may not change is left
 * as it is, and a session with none of the three gets NO. Where \Seen is kept per reader, the
 * reader's own record changes and the stored \Seen (the owner's) stays.
 */
final class FlagWrites {
    private static final String SEEN = "\\Seen", DELETED = "\\Deleted";

    private FlagWrites() {}

    /**
     * Applies the change and returns the UIDs left alone because they changed after
     * {@code unchangedSince} (negative: no condition, RFC 7162 section 3.1.3).
     */
    static List<Long> apply(ImapSession s, List<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) throws ImapException.No {
        SelectedMailbox selected = s.selected;
        MailStore store = s.server.storage.mail();
        long owner = selected.mailbox.accountId(), mailbox = selected.mailbox.id();
        var rights = selected.place.rights();
        boolean perReader = selected.seenPerReader();
        if (rights.has('s') && rights.has('t') && rights.has('w') && !perReader) return write(s, store, uids, change, flags, unchangedSince);
        if (!rights.has('s') && !rights.has('t') && !rights.has('w')) throw new ImapException.No("NOPERM", "You may not change flags in this mailbox");

        Set<String> add = new LinkedHashSet<>(), remove = new LinkedHashSet<>();
        for (String flag : flags) if (mayChange(rights, flag)) (change == FlagChange.REMOVE ? remove : add).add(flag);
        if (change == FlagChange.REPLACE) {
            // What the client sees goes unless named: only flags this session may change, each as this reader sees it.
            for (MessageSummary m : selected.flagSummaries(store, uids)) {
                for (String flag : m.flags()) if (!flags.contains(flag) && mayChange(rights, flag)) remove.add(flag);
            }
            if (!flags.contains(SEEN) && rights.has('s')) remove.add(SEEN);
        }
        // The condition is checked by the first write only: the writes after it see that write's MODSEQ.
        boolean seenPart = perReader && (add.remove(SEEN) | remove.remove(SEEN));
        List<Long> modified = List.of(), rest = uids;
        if (!remove.isEmpty()) {
            modified = write(s, store, rest, FlagChange.REMOVE, remove, unchangedSince);
            unchangedSince = -1;
            rest = without(rest, modified);
        }
        if (!add.isEmpty()) {
            List<Long> skipped = write(s, store, rest, FlagChange.ADD, add, unchangedSince);
            if (unchangedSince >= 0) modified = skipped;
            unchangedSince = -1;
            rest = without(rest, skipped);
        }
        if (seenPart) {
            if (unchangedSince >= 0) {
                List<Long> changed = new ArrayList<>();
                for (MessageSummary m : store.messages(owner, mailbox, rest)) if (m.modseq() > unchangedSince) changed.add(m.uid());
                modified = changed;
                rest = without(rest, changed);
            }
            boolean seen = flags.contains(SEEN) && change != FlagChange.REMOVE;
            s.server.storage.sharing().setSeenBy(owner, mailbox, s.account.id(), rest, seen);
        }
        return modified;
    }

    private static List<Long> without(List<Long> uids, List<Long> left) {
        if (left.isEmpty()) return uids;
        List<Long> out = new ArrayList<>(uids);
        out.removeAll(left);
        return out;
    }

    static boolean mayChange(mailroom.storage.sharing.Rights rights, String flag) {
        return rights.has(flag.equals(SEEN) ? 's' : flag.equals(DELETED) ? 't' : 'w');
    }

    private static List<Long> write(ImapSession s, MailStore store, List<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) {
        long owner = s.selected.mailbox.accountId(), mailbox = s.selected.mailbox.id();
        if (unchangedSince >= 0) return store.updateFlagsUnchangedSince(owner, mailbox, uids, change, flags, unchangedSince);
        store.updateFlags(owner, mailbox, uids, change, flags);
        return List.of();
    }
}
