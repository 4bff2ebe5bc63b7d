package mailroom.storage;

/**
 * A folder of one account. {@code uidValidity} changes only when the mailbox is recreated;
 * {@code uidNext} is the UID the next message will get (RFC 3501 section 2.3.1.1);
 * {@code highestModseq} is the MODSEQ of the last change in it (RFC 7162).
 */
public record Mailbox(long accountId, long id, String name, long uidValidity, long uidNext, String specialUse, long highestModseq) {
    public static final String INBOX = "INBOX";
}
