package mailroom.jmap.sharing;

import mailroom.jmap.core.AccountAccess;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Principal;
import mailroom.storage.Account;
import mailroom.storage.Storage;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.SharedMailboxes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The accounts a login reaches (RFC 9670 section 1.3): its own, and every account that shares at
 * least one mailbox with it through the IMAP access lists. Another account is read-only when none
 * of its mailboxes gives the login a right that changes something; it offers Mail only (identities,
 * submission and vacation stay with its owner: sending as it is the "p" right, used from the
 * login's own account).
 */
public final class SharedAccounts implements AccountAccess {
    /** Rights that let a login change something in a mailbox (RFC 4314 section 2.1). */
    private static final String CHANGING = "switekxa";

    private final Storage storage;

    public SharedAccounts(Storage storage) {
        this.storage = storage;
    }

    /** Another account as the session resource shows it. */
    public record Other(Account owner, boolean readOnly) {}

    /** The other accounts the login reaches, by storage id, in address order. */
    public List<Other> others(Account reader) {
        List<Other> out = new ArrayList<>();
        for (var byOwner : new SharedMailboxes(storage).grants(reader, -1).entrySet()) {
            storage.directory().account(byOwner.getKey()).ifPresent(owner -> out.add(new Other(owner, !changes(byOwner.getValue().values()))));
        }
        out.sort(java.util.Comparator.comparing(o -> o.owner().address()));
        return out;
    }

    /** Whether one of the rights lets the login change something. */
    private static boolean changes(java.util.Collection<Rights> rights) {
        return rights.stream().anyMatch(r -> CHANGING.chars().anyMatch(c -> r.has((char) c)));
    }

    private Map<Long, Rights> grantsIn(Principal principal, long accountId) {
        return new SharedMailboxes(storage).grants(principal.account(), accountId).getOrDefault(accountId, Map.of());
    }

    @Override
    public boolean mayRead(Principal principal, long accountId) {
        return principal.account().id() == accountId || !grantsIn(principal, accountId).isEmpty();
    }

    @Override
    public boolean mayWrite(Principal principal, long accountId) {
        return principal.account().id() == accountId || changes(grantsIn(principal, accountId).values());
    }

    @Override
    public Set<String> capabilities(Principal principal, long accountId) {
        return principal.account().id() == accountId ? principal.accountCapabilities() : Set.of(Capability.MAIL);
    }
}
