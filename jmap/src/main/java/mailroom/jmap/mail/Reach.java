package mailroom.jmap.mail;

import mailroom.storage.Account;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.SharedMailboxes;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One account as the calling login reaches it, the JMAP side of IMAP's shared mailboxes. Its own
 * account: every mailbox, every right, one \Seen. Another account (shared with it, RFC 9670): only
 * the mailboxes whose access lists let the login see them ("l", RFC 4314), each with the rights
 * those lists give it, and \Seen kept per reader where the mailbox keeps it so. Every Mail method
 * looks at an account through a Reach, so JMAP honours the same rights as IMAP and Sieve.
 */
public final class Reach {
    private static final String SEEN = "\\Seen", DELETED = "\\Deleted";

    private final MailContext mail;
    private final Account reader;
    private final long accountId;
    private final List<Mailbox> mailboxes;
    private final Map<Long, Rights> rights; // by mailbox id; empty for the login's own account
    private final Map<Long, Set<Long>> seenByReader = new HashMap<>(); // per mailbox with private \Seen, read when first needed

    private Reach(MailContext mail, Account reader, long accountId, List<Mailbox> mailboxes, Map<Long, Rights> rights) {
        this.mail = mail;
        this.reader = reader;
        this.accountId = accountId;
        this.mailboxes = mailboxes;
        this.rights = rights;
    }

    static Reach of(MailContext mail, Account reader, long accountId) {
        if (reader.id() == accountId) return new Reach(mail, reader, accountId, mail.store().mailboxes(accountId), Map.of());
        Map<Long, Rights> rights = new HashMap<>();
        List<Mailbox> visible = new SharedMailboxes(mail.storage()).visibleIn(reader, accountId).stream()
                .peek(v -> rights.put(v.mailbox().id(), v.rights())).map(SharedMailboxes.View::mailbox).toList();
        return new Reach(mail, reader, accountId, visible, rights);
    }

    public long accountId() {
        return accountId;
    }

    public boolean own() {
        return reader.id() == accountId;
    }

    public Account reader() {
        return reader;
    }

    /** The mailboxes the login may see, in the account's own names. */
    public List<Mailbox> mailboxes() {
        return mailboxes;
    }

    public Optional<Mailbox> mailbox(long mailboxId) {
        return mailboxes.stream().filter(m -> m.id() == mailboxId).findFirst();
    }

    public Rights rights(long mailboxId) {
        if (own()) return mailbox(mailboxId).isPresent() ? Rights.ALL : Rights.NONE;
        return rights.getOrDefault(mailboxId, Rights.NONE);
    }

    /** Whether the login holds every right of {@code letters} on the mailbox. */
    public boolean may(long mailboxId, String letters) {
        Rights held = rights(mailboxId);
        return letters.chars().allMatch(c -> held.has((char) c));
    }

    /** Whether the login may read the messages of the mailbox (RFC 4314 "r"): else they are not there for it. */
    public boolean readable(long mailboxId) {
        return may(mailboxId, "r");
    }

    /** Refuses a change the login's rights do not allow (a SetError "forbidden", RFC 8620 section 5.3). */
    void require(long mailboxId, String letters, String what) {
        if (!may(mailboxId, letters)) throw new Standard.Refused("forbidden", "you may not " + what + " in this mailbox (it needs the rights \"" + letters + "\")");
    }

    /** Whether this login's \Seen in the mailbox is its own rather than the stored one. */
    public boolean seenPerReader(long mailboxId) {
        return !own() && !mail.storage().sharing().sharedSeen(accountId, mailboxId);
    }

    private Set<Long> seenByReader(long mailboxId) {
        return seenByReader.computeIfAbsent(mailboxId, id -> mail.storage().sharing().seenBy(accountId, id, reader.id()));
    }

    /** A message's flags as this login sees them: where \Seen is per reader, its own. */
    public MessageSummary asSeen(long mailboxId, MessageSummary m) {
        if (!seenPerReader(mailboxId)) return m;
        Set<String> flags = new LinkedHashSet<>(m.flags());
        flags.remove(SEEN);
        if (seenByReader(mailboxId).contains(m.uid())) flags.add(SEEN);
        return new MessageSummary(m.uid(), m.blobId(), m.size(), m.internalDate(), flags, m.modseq(), m.threadId());
    }

    /** How many of the mailbox's messages this login has not seen. */
    public long unseen(long mailboxId) {
        if (!seenPerReader(mailboxId)) return mail.store().status(accountId, mailboxId).unseen();
        Set<Long> seen = seenByReader(mailboxId);
        return mail.store().messages(accountId, mailboxId).stream().filter(m -> !seen.contains(m.uid())).count();
    }

    /** The flags of {@code flags} the login may give a message it adds (RFC 4314 section 4, APPEND): the others are left off. */
    Set<String> settable(long mailboxId, Set<String> flags) {
        if (own()) return flags;
        Set<String> out = new LinkedHashSet<>();
        for (String flag : flags) if (rights(mailboxId).has(rightFor(flag))) out.add(flag);
        return out;
    }

    private static char rightFor(String flag) {
        return flag.equals(SEEN) ? 's' : flag.equals(DELETED) ? 't' : 'w';
    }

    /**
     * Changes a message's flags as the login may, RFC 4314 section 4 as IMAP STORE does: \Seen needs
     * "s", \Deleted "t", every other keyword "w"; a change it may not make is refused whole. Where
     * \Seen is per reader, the login's own record changes and the stored \Seen stays.
     */
    void changeFlags(long mailboxId, long uid, Set<String> add, Set<String> remove) {
        for (String flag : union(add, remove)) {
            char right = rightFor(flag);
            if (!rights(mailboxId).has(right)) throw new Standard.Refused("forbidden", "you may not change " + flag + " in this mailbox (it needs the right \"" + right + "\")");
        }
        Set<String> toAdd = new LinkedHashSet<>(add), toRemove = new LinkedHashSet<>(remove);
        if (seenPerReader(mailboxId) && (toAdd.remove(SEEN) | toRemove.remove(SEEN))) {
            mail.storage().sharing().setSeenBy(accountId, mailboxId, reader.id(), List.of(uid), add.contains(SEEN));
            seenByReader.remove(mailboxId);
        }
        if (!toAdd.isEmpty()) mail.store().updateFlags(accountId, mailboxId, List.of(uid), MailStore.FlagChange.ADD, toAdd);
        if (!toRemove.isEmpty()) mail.store().updateFlags(accountId, mailboxId, List.of(uid), MailStore.FlagChange.REMOVE, toRemove);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }
}
