package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Directory;
import mailroom.storage.sharing.SharedMailboxes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an address means: an account (exactly, or with a "+tag"), an alias (one target is a
 * forward, many a simple list; targets may be aliases or outside addresses), the domain's
 * catch-all, or postmaster@ and abuse@, which always reach someone (RFC 5321 section 4.5.1,
 * RFC 2142).
 */
final class Recipients {
    /** Deep enough for aliases of aliases, shallow enough to stop a loop. */
    private static final int MAX_DEPTH = 8;
    private static final Set<String> ROLE_ADDRESSES = Set.of("postmaster", "abuse");

    private final Accounts accounts;
    private final Directory directory;
    private final String hostname;

    Recipients(Accounts accounts, Directory directory, String hostname) {
        this.accounts = accounts;
        this.directory = directory;
        this.hostname = hostname;
    }

    boolean isLocal(String domain) {
        return directory.isLocalDomain(domain) || domain.equalsIgnoreCase(hostname);
    }

    /** The addresses to deliver to: local accounts' own addresses and outside addresses. Empty: nobody. */
    List<String> expand(EmailAddress address) {
        Set<String> out = new LinkedHashSet<>();
        expand(address, 0, out);
        return new ArrayList<>(out);
    }

    private void expand(EmailAddress address, int depth, Set<String> out) {
        if (!isLocal(address.domain())) {
            out.add(address.toString());
            return;
        }
        Optional<Account> account = accounts.recipient(address);
        if (account.isPresent()) {
            // user+tag@ keeps its tag to the store: the account's Sieve rules may sort by it (RFC 5233).
            out.add(address.localPart().indexOf('+') > 0 ? address.toString() : account.get().address());
            return;
        }
        Optional<Directory.Alias> alias = alias(address);
        if (alias.isPresent() && depth < MAX_DEPTH) {
            for (String target : alias.get().targets()) {
                EmailAddress.parse(target, true).ifPresent(t -> expand(t, depth + 1, out));
            }
            return;
        }
        if (ROLE_ADDRESSES.contains(address.localPart().toLowerCase(Locale.ROOT))) {
            accounts.find("postmaster@" + accounts.defaultDomain()).ifPresent(a -> out.add(a.address()));
        }
    }

    /** The alias for the address, for the address without its "+tag", or the domain's catch-all. */
    private Optional<Directory.Alias> alias(EmailAddress address) {
        String local = address.localPart();
        Optional<Directory.Alias> exact = directory.alias(local, address.domain());
        if (exact.isPresent()) return exact;
        int plus = local.indexOf('+');
        if (plus > 0) {
            Optional<Directory.Alias> base = directory.alias(local.substring(0, plus), address.domain());
            if (base.isPresent()) return base;
        }
        if (ROLE_ADDRESSES.contains(local.toLowerCase(Locale.ROOT))) return Optional.empty(); // never swallowed by a catch-all
        return directory.alias(Directory.Alias.CATCH_ALL, address.domain());
    }

    /**
     * Whether the account may use {@code sender} as its envelope sender: its own address (with or
     * without a "+tag"), or an alias that delivers to it. A catch-all grants nothing.
     */
    boolean mayUseSender(Account account, EmailAddress sender) {
        if (accounts.recipient(sender).map(a -> a.id() == account.id()).orElse(false)) return true;
        if (delegator(account, sender).isPresent()) return true;
        if (!directory.isLocalDomain(sender.domain())) return false;
        Optional<Directory.Alias> alias = directory.alias(sender.localPart(), sender.domain());
        return alias.isPresent() && expand(sender).contains(account.address());
    }

    /** The account {@code sender} names when {@code account} may send as it (see {@link SharedMailboxes#delegator}). */
    Optional<Account> delegator(Account account, EmailAddress sender) {
        return new SharedMailboxes(accounts.storage()).delegator(account, sender.localPart(), sender.domain());
    }
}
