package mailroom.jmap.sharing;

import mailroom.jmap.core.AccountAccess;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Principal;
import mailroom.storage.Account;
import mailroom.storage.Storage;
import mailroom.storage.sharing.SharedMailboxes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
        Map<Long, Other> byOwner = new LinkedHashMap<>();
        for (var view : new SharedMailboxes(storage).visible(reader)) {
            boolean writes = CHANGING.chars().anyMatch(c -> view.rights().has((char) c));
            byOwner.merge(view.owner().id(), new Other(view.owner(), !writes), (a, b) -> new Other(a.owner(), a.readOnly() && b.readOnly()));
        }
        List<Other> out = new ArrayList<>(byOwner.values());
        out.sort(java.util.Comparator.comparing(o -> o.owner().address()));
        return out;
    }

    @Override
    public boolean mayRead(Principal principal, long accountId) {
        return principal.account().id() == accountId || !new SharedMailboxes(storage).visibleIn(principal.account(), accountId).isEmpty();
    }

    @Override
    public boolean mayWrite(Principal principal, long accountId) {
        if (principal.account().id() == accountId) return true;
        return new SharedMailboxes(storage).visibleIn(principal.account(), accountId).stream()
                .anyMatch(v -> CHANGING.chars().anyMatch(c -> v.rights().has((char) c)));
    }

    @Override
    public Set<String> capabilities(Principal principal, long accountId) {
        return principal.account().id() == accountId ? principal.accountCapabilities() : Set.of(Capability.MAIL);
    }
}
