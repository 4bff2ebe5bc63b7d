package mailroom.transfer;

import mailroom.storage.Account;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.Storage;

import java.io.IOException;
import java.util.List;

/** Writes one account's folders, messages, flags, keywords and subscriptions to a {@link Destination}. */
public final class Exporter {
    private final Storage storage;
    private final Account account;
    private final Progress progress;

    public Exporter(Storage storage, Account account, Progress progress) {
        this.storage = storage;
        this.account = account;
        this.progress = progress;
    }

    public void run(Destination destination) throws IOException {
        var mail = storage.mail();
        List<Mailbox> boxes = mail.mailboxes(account.id());
        for (Mailbox box : boxes) progress.expect(mail.status(account.id(), box.id()).messages());
        destination.plan(boxes.stream().map(Mailbox::name).toList());
        for (Mailbox box : boxes) {
            List<MessageSummary> messages = mail.messages(account.id(), box.id());
            var keywords = new java.util.TreeSet<String>();
            for (MessageSummary m : messages) for (String f : m.flags()) if (!f.startsWith("\\")) keywords.add(f);
            destination.startFolder(box.name(), box.uidValidity(), box.uidNext(), keywords);
            for (MessageSummary m : messages) {
                byte[] bytes;
                try {
                    bytes = storage.blobs().read(m.blobId());
                } catch (IOException e) {
                    progress.failed(new Problem(box.name(), "UID " + m.uid(), "cannot read its bytes: " + Importer.reason(e)));
                    continue;
                }
                try {
                    destination.message(m.uid(), m.flags(), m.internalDate(), bytes);
                    progress.copied(bytes.length);
                } catch (IOException e) {
                    progress.failed(new Problem(box.name(), "UID " + m.uid(), "cannot write: " + Importer.reason(e)));
                }
            }
            destination.endFolder();
        }
        destination.subscriptions(mail.subscriptions(account.id()));
    }
}
