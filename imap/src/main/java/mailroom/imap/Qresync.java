package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.SequenceSet;
import mailroom.storage.Change;
import mailroom.storage.MessageSummary;

import java.io.IOException;
import java.util.List;
import java.util.TreeSet;

/**
 * Quick resynchronisation (RFC 7162 section 3.2): a client that remembers UIDVALIDITY and the
 * MODSEQ it last saw learns, at SELECT, which of its messages vanished and which changed flags,
 * instead of fetching every flag again. Our change log keeps expunges, so the answer is exact.
 */
record Qresync(long uidValidity, long modseq, SequenceSet knownUids) {

    /** "(" uidvalidity SP modseq [SP known-uids] [SP seq-match-data] ")" */
    static Qresync parse(ImapParser args) throws ImapException.Bad {
        args.expect('(');
        long uidValidity = args.number();
        args.sp();
        long modseq = args.number();
        SequenceSet known = null;
        if (args.tryConsume(' ')) {
            if (args.atSequenceSet()) {
                known = args.sequenceSet();
                args.tryConsume(' ');
            }
            if (args.tryConsume('(')) { // seq-match-data: only a hint for servers that forget expunges; ours do not
                args.sequenceSet();
                args.sp();
                args.sequenceSet();
                args.expect(')');
            }
        }
        args.expect(')');
        return new Qresync(uidValidity, modseq, known);
    }

    /** VANISHED (EARLIER) for what went away since {@code modseq}, FETCH for what changed. */
    void resync(ImapSession s) throws IOException {
        vanishedSince(s, modseq, knownUids);
        var selected = s.selected;
        for (MessageSummary m : selected.flagSummaries(s.server.storage.mail(), selected.liveUids())) {
            if (m.modseq() <= modseq || (knownUids != null && !knownUids.contains(m.uid(), selected.maxUid()))) continue;
            s.untagged(selected.seqOf(m.uid()) + " FETCH (" + selected.fetchFlags(m, s) + ")");
        }
    }

    /** "* VANISHED (EARLIER) uids" for UIDs (within {@code within}, if given) expunged after {@code modseq}. */
    static void vanishedSince(ImapSession s, long modseq, SequenceSet within) throws IOException {
        var selected = s.selected;
        TreeSet<Long> gone = new TreeSet<>();
        for (Change c : s.server.storage.mail().changesSince(selected.mailbox.accountId(), selected.mailbox.id(), modseq)) {
            if (c.kind() == Change.Kind.EXPUNGED && (within == null || within.contains(c.uid(), Long.MAX_VALUE))) gone.add(c.uid());
        }
        gone.removeIf(uid -> selected.seqOf(uid) > 0);
        if (!gone.isEmpty()) s.untagged("VANISHED (EARLIER) " + SequenceSet.compact(List.copyOf(gone)));
    }
}
