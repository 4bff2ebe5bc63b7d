package mailroom.jmap.mail;

import mailroom.core.event.MailboxEvent;
import mailroom.jmap.core.Limits;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;

import java.util.List;

/** What the Mail methods share: the storage, the limits, and the current state strings. */
public record MailContext(Storage storage, Limits limits, String hostname) {

    public MailStore store() {
        return storage.mail();
    }

    public String emailState(long accountId) {
        long modseq = store().highestModseq(accountId);
        return States.email(modseq, store().mailboxes(accountId));
    }

    public String mailboxState(long accountId) {
        long modseq = store().highestModseq(accountId);
        return States.mailbox(modseq, store().mailboxes(accountId));
    }

    /** The mailbox with this storage id, if the account has it. */
    public java.util.Optional<Mailbox> mailbox(long accountId, long mailboxId) {
        return store().mailboxes(accountId).stream().filter(m -> m.id() == mailboxId).findFirst();
    }

    /**
     * Mailbox creations, renames and deletions do not pass through the change log, so they are
     * announced here (to push clients on every node) when JMAP makes them.
     */
    public void announce(long accountId, long mailboxId) {
        storage.events().publish(new MailboxEvent(accountId, mailboxId, store().highestModseq(accountId)));
    }

    /**
     * Stores new message bytes and files them into one mailbox, durably, as a delivery would;
     * refused with overQuota when the account has no room.
     */
    public Ids.Ref file(long accountId, long mailboxId, byte[] bytes, java.util.Set<String> flags, java.time.Instant receivedAt) {
        Mailbox box = mailbox(accountId, mailboxId).orElseThrow(() -> new Standard.Refused("invalidProperties", "no mailbox " + Ids.mailbox(mailboxId)));
        var account = storage.directory().account(accountId).orElseThrow();
        if (account.overQuota(store().accountSize(accountId), bytes.length)) throw new Standard.Refused("overQuota", "the account is over its quota");
        String blobId;
        try (var w = storage.blobs().create()) {
            w.stream().write(bytes);
            blobId = w.commit();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        var parsed = mailroom.core.mime.MessageParser.parse(bytes);
        var filed = store().deliver(new mailroom.storage.Delivery(blobId, receivedAt, parsed),
                List.of(new mailroom.storage.Delivery.Target(accountId, box.name(), flags)));
        return Ids.ref(filed.get(0).mailboxId(), filed.get(0).uid());
    }
}
