package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.storage.StorageException;
import mailroom.storage.StoreRouter;

import java.io.IOException;
import java.util.List;

/**
 * LMTP on a store (RFC 2033): the sorter has done the checks and the queueing; here each recipient
 * is filed and answered on its own, so one full mailbox does not hold up the others. Mail for an
 * account whose home is another store is passed on to it over LMTP, unless it came from another
 * node (which has already chosen): every store accepts for every account.
 */
final class LmtpIntake implements Intake {
    private final LocalDelivery delivery;
    private final StoreRouter router;
    private final StoreHandoff handoff;

    LmtpIntake(LocalDelivery delivery, StoreRouter router, StoreHandoff handoff) {
        this.delivery = delivery;
        this.router = router;
        this.handoff = handoff;
    }

    @Override
    public void sender(SmtpSession session, SmtpCodec.PathArgument sender) {
        // any reverse-path: the sorter that connects has accepted the message already
    }

    @Override
    public List<String> recipient(SmtpSession session, EmailAddress address) throws SmtpException {
        var account = delivery.account(address.toString());
        if (account.isEmpty()) throw new SmtpException(550, "5.1.1", "<" + address + ">: no such user here");
        return List.of(address.toString()); // as given: a +detail is for the account's rules (RFC 5233)
    }

    /**
     * RFC 2033 section 4.2: one reply per accepted recipient, in the order of the RCPT commands. A
     * storage failure (the database failing over) is a temporary failure for each of them.
     */
    @Override
    public List<Reply> accept(SmtpSession s, Spool message) throws IOException {
        try {
            String blobId = message.store(delivery.storage().blobs(), Trace.returnPath(s) + Trace.received(s));
            List<String> addresses = s.recipients.stream().map(r -> r.deliverTo().get(0)).toList();
            String sender = s.sender.address() == null ? "" : s.sender.address().toString();
            var results = router.fromNode(s.connection.remote().getAddress())
                    ? delivery.deliver(blobId, sender, addresses, s.onceToken)
                    : handoff.deliver(new StoreHandoff.Mail(sender, blobId, s.onceToken), addresses);
            return results.stream().map(RecipientResult::reply).toList();
        } catch (StorageException e) {
            return s.recipients.stream().map(r -> Reply.STORAGE_FAILURE).toList();
        }
    }
}
