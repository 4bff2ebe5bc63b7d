package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.core.mime.MessageParser;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Delivery;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Delivery to local accounts as a pipeline: <em>check</em> a recipient (at RCPT), <em>modify</em>
 * the message (the trace headers the session writes in front of it), <em>file</em> it (parse once,
 * then one transaction for all recipients). Sieve filtering will be a stage between parse and file.
 */
public final class LocalDelivery {
    private final Storage storage;
    private final Accounts accounts;

    public LocalDelivery(Storage storage, Accounts accounts) {
        this.storage = storage;
        this.accounts = accounts;
    }

    public boolean isLocalDomain(String domain) {
        return storage.directory().isLocalDomain(domain);
    }

    /** Check: the account that mail for {@code address} goes to, if it is local and exists. */
    public Optional<Account> recipient(EmailAddress address) {
        return accounts.recipient(address);
    }

    /** True when the account is over its quota, or would be with {@code declaredSize} more. */
    public boolean overQuota(Account account, long declaredSize) {
        return account.quotaBytes() > 0 && account.overQuota(accounts.usage(account), declaredSize);
    }

    /** The account that receives mail for a bare "Postmaster" and for postmaster@ of a local domain. */
    public Optional<Account> postmaster() {
        return accounts.recipient(new EmailAddress("postmaster", accounts.defaultDomain()));
    }

    /**
     * File: parses the committed blob once and files it into the INBOX of every recipient, all or
     * none. Returns when the index rows are durable.
     */
    public List<Delivery.Filed> file(String blobId, List<Account> recipients) throws IOException {
        var parsed = MessageParser.parse(storage.blobs().read(blobId));
        var targets = recipients.stream().distinct()
                .map(a -> new Delivery.Target(a.id(), Mailbox.INBOX, Set.<String>of())).toList();
        return storage.mail().deliver(new Delivery(blobId, Instant.now(), parsed), targets);
    }

    public Storage storage() {
        return storage;
    }
}
