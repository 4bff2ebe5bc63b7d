package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.SequenceSet;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Commands on messages of the selected mailbox (RFC 3501 section 6.4) with UIDPLUS and MOVE. */
final class MessageCommands {
    private MessageCommands() {}

    static boolean isSystemFlag(String flag) {
        return MailboxCommands.SYSTEM_FLAGS.stream().anyMatch(f -> f.equalsIgnoreCase(flag)) || flag.equalsIgnoreCase("\\Recent");
    }

    /** System flags in their usual spelling ("\seen" is "\Seen"); keywords as given. */
    static String canonicalFlag(String flag) {
        return MailboxCommands.SYSTEM_FLAGS.stream().filter(f -> f.equalsIgnoreCase(flag)).findFirst().orElse(flag);
    }

    /**
     * The UIDs a sequence set names, in order. Message numbers must exist (else BAD); UID sets may
     * name UIDs that do not exist, which are skipped, and "n:*" always includes the last message.
     */
    static List<Long> resolve(SelectedMailbox selected, SequenceSet set, boolean uid) throws ImapException.Bad {
        List<Long> out = new ArrayList<>();
        if (set.saved()) { // "$" (RFC 5182): the saved UIDs that are still here, whatever the command's kind
            for (long u : selected.savedSearch()) if (selected.seqOf(u) > 0) out.add(u);
            return out;
        }
        if (uid) {
            long max = selected.maxUid();
            for (long u : selected.liveUids()) if (set.contains(u, max)) out.add(u);
            return out;
        }
        int exists = selected.exists();
        for (var range : set.ranges()) {
            long from = range.from() == SequenceSet.STAR ? exists : range.from();
            long to = range.to() == SequenceSet.STAR ? exists : range.to();
            if (Math.max(from, to) > exists) throw new ImapException.Bad("No message with that number (mailbox has " + exists + ")");
        }
        for (int seq = 1; seq <= exists; seq++) if (set.contains(seq, exists)) out.add(selected.uidAt(seq));
        return out;
    }

    private static MailStore store(ImapSession s) {
        return s.server.storage.mail();
    }

    private static void requireWritable(ImapSession s) throws ImapException.No {
        if (s.selected.readOnly) throw new ImapException.No("READ-ONLY", "Mailbox is read-only (EXAMINE)");
    }

    /** The selected mailbox's owner: the session's account, or the one that shares the mailbox. */
    private static long owner(ImapSession s) {
        return s.selected.mailbox.accountId();
    }

    static String check(ImapSession s, String tag, ImapParser args) throws ImapException {
        args.end();
        return "CHECK completed";
    }

    /** CLOSE: expunge silently (no EXPUNGE responses), then leave the mailbox. */
    static String close(ImapSession s, String tag, ImapParser args) throws ImapException {
        args.end();
        // Without "e" nothing is expunged, silently: CLOSE still leaves the mailbox (RFC 4314 section 4).
        if (!s.selected.readOnly && s.selected.place.rights().has('e')) expungeDeleted(s, null);
        s.unselect();
        return "CLOSE completed";
    }

    static String unselect(ImapSession s, String tag, ImapParser args) throws ImapException {
        args.end();
        s.unselect();
        return "UNSELECT completed";
    }

    static String expunge(ImapSession s, String tag, ImapParser args) throws ImapException {
        args.end();
        requireWritable(s);
        Places.require(s.selected.place, "e");
        expungeDeleted(s, null);
        return "EXPUNGE completed";
    }

    /** UID EXPUNGE (RFC 4315): only the \Deleted messages in the set. */
    static String uidExpunge(ImapSession s, String tag, ImapParser args) throws ImapException {
        SequenceSet set = args.sequenceSet();
        args.end();
        requireWritable(s);
        Places.require(s.selected.place, "e");
        expungeDeleted(s, set);
        return "UID EXPUNGE completed";
    }

    /**
     * Expunges the messages the client sees that are flagged \Deleted, within {@code set} when
     * given: those so flagged as the log is read now, and still so when the write runs. The log is
     * read again after the write, which the responses then come from.
     */
    private static void expungeDeleted(ImapSession s, SequenceSet set) {
        s.selected.catchUp(store(s));
        store(s).expungeDeleted(owner(s), s.selected.mailbox.id(), deleted(s, set));
        s.selected.catchUp(store(s));
    }

    private static List<Long> deleted(ImapSession s, SequenceSet set) {
        List<Long> out = new ArrayList<>();
        long max = s.selected.maxUid();
        for (MessageSummary m : s.selected.flagSummaries(store(s), s.selected.liveUids())) {
            if (m.flags().contains("\\Deleted") && (set == null || set.contains(m.uid(), max))) out.add(m.uid());
        }
        return out;
    }

    /** STORE (section 6.4.6): [+|-]FLAGS[.SILENT]; the new flags are reported unless .SILENT. */
    static String store(ImapSession s, ImapParser args, boolean uid) throws ImapException, IOException {
        SequenceSet set = args.sequenceSet();
        args.sp();
        long unchangedSince = -1;
        if (args.tryConsume('(')) { // RFC 7162 section 3.1.3
            if (!args.atom().equalsIgnoreCase("UNCHANGEDSINCE")) throw new ImapException.Bad("Unknown STORE modifier");
            args.sp();
            unchangedSince = args.number();
            args.expect(')');
            args.sp();
            s.enableCondstore();
        }
        String item = args.atom().toUpperCase(Locale.ROOT);
        args.sp();
        MailStore.FlagChange change = item.startsWith("+") ? MailStore.FlagChange.ADD
                : item.startsWith("-") ? MailStore.FlagChange.REMOVE : MailStore.FlagChange.REPLACE;
        String base = item.replaceFirst("^[+-]", "");
        boolean silent = base.endsWith(".SILENT");
        if (!base.replace(".SILENT", "").equals("FLAGS")) throw new ImapException.Bad("Expected FLAGS, +FLAGS or -FLAGS");
        List<String> flags = new ArrayList<>();
        if (args.peek() == '(') flags.addAll(args.flagList());
        else do flags.add(args.flag()); while (args.tryConsume(' '));
        args.end();
        Set<String> canonical = new LinkedHashSet<>();
        for (String flag : flags) {
            if (flag.startsWith("\\") && !isSystemFlag(flag)) throw new ImapException.Bad("Unknown system flag " + flag);
            if (!flag.equalsIgnoreCase("\\Recent")) canonical.add(canonicalFlag(flag));
        }
        List<Long> uids = resolve(s.selected, set, uid);
        requireWritable(s);
        if (uids.isEmpty()) return (uid ? "UID STORE" : "STORE") + " completed";
        List<Long> modified = FlagWrites.apply(s, uids, change, canonical, unchangedSince);
        s.selected.catchUp(store(s)); // the write is in the log now, with the flags it left
        List<MessageSummary> after = s.selected.flagSummaries(store(s), uids);
        for (String line : s.selected.announceFlags(after)) s.untagged(line);
        for (MessageSummary m : after) {
            if (modified.contains(m.uid())) continue;
            s.selected.told(m); // the client knows these flags (or, .SILENT, set them itself): not to be told again
            // With CONDSTORE even .SILENT reports the new MODSEQ (RFC 7162 section 3.1.3).
            if (!silent || s.condstore()) s.untagged(s.selected.seqOf(m.uid()) + " FETCH (" + s.selected.fetchFlags(m, s) + ")");
        }
        if (!modified.isEmpty()) {
            List<Long> numbers = uid ? modified : modified.stream().map(u -> (long) s.selected.seqOf(u)).sorted().toList();
            return "[MODIFIED " + SequenceSet.compact(numbers) + "] Conditional STORE failed";
        }
        return (uid ? "UID STORE" : "STORE") + " completed";
    }

    /** COPY (section 6.4.7) and MOVE (RFC 6851), answering COPYUID (RFC 4315). */
    static String copy(ImapSession s, ImapParser args, boolean uid, boolean move) throws ImapException, IOException {
        SequenceSet set = args.sequenceSet();
        args.sp();
        String name = s.mailboxName(args.astring());
        args.end();
        List<Long> uids = resolve(s.selected, set, uid);
        if (move) {
            requireWritable(s);
            Places.require(s.selected.place, "te"); // MOVE is COPY, STORE \Deleted and EXPUNGE (RFC 6851 section 3.3)
        }
        Places.Place place = Places.find(s, name).orElseThrow(() -> new ImapException.No("TRYCREATE", "No such mailbox"));
        Places.require(place, "i");
        Mailbox target = place.mailbox();
        String verb = (uid ? "UID " : "") + (move ? "MOVE" : "COPY");
        if (uids.isEmpty()) return verb + " completed";
        if (!move || target.accountId() != owner(s)) {
            QuotaCommands.require(s, target.accountId(), s.selected.summaries(store(s), uids).stream().mapToLong(MessageSummary::size).sum());
        }
        var copied = store(s).copy(owner(s), s.selected.mailbox.id(), uids, target.accountId(), target.id(), move);
        if (copied.isEmpty()) throw new ImapException.No("EXPUNGEISSUED", "The messages were expunged meanwhile");
        String copyUid = "COPYUID " + target.uidValidity() + " "
                + SequenceSet.compact(copied.stream().map(MailStore.Copied::sourceUid).toList()) + " "
                + SequenceSet.compact(copied.stream().map(MailStore.Copied::targetUid).toList());
        if (move) {
            s.untagged("OK [" + copyUid + "] Moved");
            return verb + " completed";
        }
        return "[" + copyUid + "] " + verb + " completed";
    }
}
