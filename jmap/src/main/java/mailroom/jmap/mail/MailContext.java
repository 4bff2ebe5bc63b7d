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

    /** The account a call names, as its login reaches it (see {@link Reach}). */
    public Reach reach(mailroom.jmap.core.Call call) {
        return Reach.of(this, call.principal().account(), call.accountId());
    }

    public Reach reach(mailroom.storage.Account reader, long accountId) {
        return Reach.of(this, reader, accountId);
    }

    /** The Email (and Thread) state of an account as a login sees it: the change log's head and the mailboxes it may see. */
    public String emailState(Reach reach) {
        return States.email(store().highestModseq(reach.accountId()), reach.mailboxes());
    }

    public String mailboxState(Reach reach) {
        return States.mailbox(store().highestModseq(reach.accountId()), reach.mailboxes());
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
     * refused with overQuota when the account has no room, and with forbidden when the login may
     * not add messages to the mailbox (RFC 4314 "i").
     */
    public Ids.Ref file(Reach reach, long mailboxId, byte[] bytes, java.util.Set<String> flags, java.time.Instant receivedAt) {
        Mailbox box = reach.mailbox(mailboxId).orElseThrow(() -> new Standard.Refused("invalidProperties", "no mailbox " + Ids.mailbox(mailboxId)));
        reach.require(mailboxId, "i", "add messages");
        long accountId = reach.accountId();
        flags = reach.settable(mailboxId, flags);
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
