package mailroom.smtp;

import mailroom.core.config.Config;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Filing into local mailboxes, the last step of every delivery (from the queue, or from LMTP):
 * <em>check</em> each recipient (exists, has room), <em>filter</em> (the account's Sieve rules, see
 * {@link SieveFilter}), then <em>file</em> (parse once, one transaction for all recipients).
 */
public final class LocalDelivery {
    private final Storage storage;
    private final Accounts accounts;
    private final SieveFilter filter;
    private final AutoResponder responder;

    public LocalDelivery(Storage storage, Accounts accounts, Config config) {
        this.storage = storage;
        this.accounts = accounts;
        this.filter = new SieveFilter(storage, config);
        this.responder = new AutoResponder(storage, config.hostname());
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
     * Files the committed blob for each address's account where its rules say (INBOX without
     * rules), then sends what the rules set going. With a {@code onceToken} (a queue entry's token)
     * each account gets the message at most once however often this is retried. Returns one result
     * per address, in order.
     */
    public List<RecipientResult> deliver(String blobId, String sender, List<String> addresses, String onceToken) throws IOException {
        byte[] raw = storage.blobs().read(blobId);
        var parsed = MessageParser.parse(raw);
        boolean spam = SpamVerdict.isSpam(raw); // the scoring stage's verdict: what would go to INBOX goes to Junk
        List<RecipientResult> results = new ArrayList<>();
        List<Delivery.Target> targets = new ArrayList<>();
        Map<Integer, Runnable> afterFiling = new LinkedHashMap<>();
        for (String address : addresses) {
            Optional<Account> account = account(address);
            if (account.isEmpty()) {
                results.add(new RecipientResult(address, Reply.of(550, "5.1.1", "<" + address + ">: no such user")));
                continue;
            }
            if (overQuota(account.get(), parsed.size())) {
                results.add(new RecipientResult(address, Reply.of(452, "4.2.2", "<" + address + ">: Mailbox full")));
                continue;
            }
            switch (filter.decide(account.get(), raw, parsed, sender, address)) {
                case SieveFilter.Decision.Refuse refuse ->
                        results.add(new RecipientResult(address, Reply.of(550, "5.7.1", "<" + address + ">: " + oneLine(refuse.reason()))));
                case SieveFilter.Decision.File file -> {
                    for (SieveFilter.Target t : file.targets()) {
                        if (t.ownerId() != SieveFilter.OWN) { // a mailbox another account shares, filed as it is
                            targets.add(new Delivery.Target(t.ownerId(), t.mailbox(), t.flags(), onceToken == null ? null : onceToken + ":" + t.ownerId() + ":" + t.mailbox()));
                            continue;
                        }
                        String mailbox = spam && t.mailbox().equals(Mailbox.INBOX) ? SpamVerdict.junkFolder(storage.mail().mailboxes(account.get().id())) : t.mailbox();
                        targets.add(new Delivery.Target(account.get().id(), mailbox, t.flags(), onceKey(onceToken, account.get(), mailbox)));
                    }
                    // No vacation replies to spam: its sender is most often forged (RFC 3834 section 2 warns of such backscatter).
                    var followUps = spam ? file.followUps().stream().filter(a -> !(a instanceof mailroom.sieve.Action.Vacation)).toList() : file.followUps();
                    if (!followUps.isEmpty()) afterFiling.put(results.size(), () -> responder.send(account.get(), blobId, sender, followUps));
                    results.add(new RecipientResult(address, Reply.of(250, "2.0.0", "<" + address + "> delivered")));
                }
            }
        }
        if (!targets.isEmpty()) storage.mail().deliver(new Delivery(blobId, Instant.now(), parsed), targets);
        afterFiling.values().forEach(Runnable::run); // only once the filing is durable
        return results;
    }

    /** The key that files a queue entry once per account and mailbox; INBOX keeps the key it always had. */
    private static String onceKey(String onceToken, Account account, String mailbox) {
        if (onceToken == null) return null;
        return onceToken + ":" + account.id() + (mailbox.equals(Mailbox.INBOX) ? "" : ":" + mailbox);
    }

    private static String oneLine(String reason) {
        String line = reason.strip().replaceAll("\\s+", " ");
        return line.isEmpty() ? "Message rejected by the recipient's rules" : line.length() > 200 ? line.substring(0, 200) : line;
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
