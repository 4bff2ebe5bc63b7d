package mailroom.jmap.core;

/**
 * Which accounts a login reaches, and how: the one place that decides accountNotFound,
 * accountReadOnly and accountNotSupportedByMethod (RFC 8620 section 3.6.2) and the from-account
 * of a /copy (section 5.4). {@link #OWN_ONLY} is a login's own account alone; the server uses the
 * shared mailboxes' access lists (jmap.sharing.SharedAccounts), and every method that names an
 * account goes through it.
 */
public interface AccountAccess {
    /** Whether the principal may read the account with this storage id. */
    boolean mayRead(Principal principal, long accountId);

    /** Whether the principal may change it (its login's scope is checked apart from this). */
    boolean mayWrite(Principal principal, long accountId);

    /** The capabilities the account offers this login (the session's accountCapabilities). */
    default java.util.Set<String> capabilities(Principal principal, long accountId) {
        return principal.accountCapabilities();
    }

    AccountAccess OWN_ONLY = new AccountAccess() {
        @Override
        public boolean mayRead(Principal principal, long accountId) {
            return principal.account().id() == accountId;
        }

        @Override
        public boolean mayWrite(Principal principal, long accountId) {
            return principal.account().id() == accountId;
        }
    };

    /** The storage id of a JMAP account id ("a" and the number), or -1 for anything else. */
    static long storageId(String accountId) {
        if (accountId == null || !accountId.matches("a[0-9]{1,18}")) return -1;
        return Long.parseLong(accountId.substring(1));
    }
}
