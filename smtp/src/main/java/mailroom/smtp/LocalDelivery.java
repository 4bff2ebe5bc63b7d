package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.core.mime.MessageParser;
import mailroom.smtp.spam.SpamVerdict;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Delivery;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Filing into local mailboxes, the last step of every delivery (from the queue, or from LMTP):
 * <em>check</em> each recipient (exists, has room), then <em>file</em> (parse once, one transaction
 * for all recipients). Sieve filtering will be a stage between the two.
 */
public final class LocalDelivery {
    private final Storage storage;
    private final Accounts accounts;

    public LocalDelivery(Storage storage, Accounts accounts) {
        this.storage = storage;
        this.accounts = accounts;
    }

    /** The account that mail for {@code address} is filed into, allowing plus-addressing. */
    public Optional<Account> account(String address) {
        return EmailAddress.parse(address, true).flatMap(accounts::recipient);
    }

    /** True when the account is over its quota, or would be with {@code moreBytes} more. */
    public boolean overQuota(Account account, long moreBytes) {
        return account.quotaBytes() > 0 && account.overQuota(accounts.usage(account), moreBytes);
    }

    /**
     * Files the committed blob into the INBOX of each address's account. With a {@code onceToken}
     * (a queue entry's token) each account gets the message at most once however often this is
     * retried. Returns one result per address, in order.
     */
    public List<RecipientResult> deliver(String blobId, List<String> addresses, String onceToken) throws IOException {
        byte[] message = storage.blobs().read(blobId);
        var parsed = MessageParser.parse(message);
        boolean spam = SpamVerdict.isSpam(message); // the scoring stage's verdict: file into Junk, not INBOX
        List<RecipientResult> results = new ArrayList<>();
        List<Delivery.Target> targets = new ArrayList<>();
        List<Integer> filedAt = new ArrayList<>();
        for (String address : addresses) {
            Optional<Account> account = account(address);
            if (account.isEmpty()) {
                results.add(new RecipientResult(address, Reply.of(550, "5.1.1", "<" + address + ">: no such user")));
            } else if (overQuota(account.get(), parsed.size())) {
                results.add(new RecipientResult(address, Reply.of(452, "4.2.2", "<" + address + ">: Mailbox full")));
            } else {
                String onceKey = onceToken == null ? null : onceToken + ":" + account.get().id();
                String folder = spam ? SpamVerdict.junkFolder(storage.mail().mailboxes(account.get().id())) : Mailbox.INBOX;
                targets.add(new Delivery.Target(account.get().id(), folder, Set.of(), onceKey));
                filedAt.add(results.size());
                results.add(null);
            }
        }
        if (!targets.isEmpty()) storage.mail().deliver(new Delivery(blobId, Instant.now(), parsed), targets);
        for (int i : filedAt) results.set(i, new RecipientResult(addresses.get(i), Reply.of(250, "2.0.0", "<" + addresses.get(i) + "> delivered")));
        return results;
    }

    /** Files a copy into one of the account's folders (a sent message into Sent, already \Seen). */
    public void fileCopy(String blobId, Account account, String mailbox, Set<String> flags) throws IOException {
        var parsed = MessageParser.parse(storage.blobs().read(blobId));
        storage.mail().deliver(new Delivery(blobId, Instant.now(), parsed), List.of(new Delivery.Target(account.id(), mailbox, flags)));
    }

    public Accounts accounts() {
        return accounts;
    }

    public Storage storage() {
        return storage;
    }
}
