package mailroom.core.event;

/**
 * Something changed in one account's mail: a message arrived, flags changed, messages were expunged.
 * It carries only where and the new highest MODSEQ; listeners read the change log for the details,
 * which keeps events tiny and lets the cluster forward them as they are (LISTEN/NOTIFY).
 */
public record MailboxEvent(long accountId, long mailboxId, long modseq) {
    /** The mailbox of an event that may concern every mailbox of the account (see EventBus#arrivedEverywhere). */
    public static final long ANY_MAILBOX = -2;

    /** Whether a session watching {@code mailboxId} should look at the change log. */
    public boolean concerns(long mailboxId) {
        return this.mailboxId == mailboxId || this.mailboxId == ANY_MAILBOX;
    }
}
