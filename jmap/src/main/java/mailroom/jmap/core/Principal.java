package mailroom.jmap.core;

import mailroom.storage.Account;

/** Who made a request: the account logged in to and what the login allows. */
public record Principal(Account account, Scope scope) {
    /** The JMAP id of the account: "a" and the storage id, stable for the account's life. */
    public String accountId() {
        return "a" + account.id();
    }

    /** The capabilities the account offers to this login (the session's accountCapabilities). */
    public java.util.Set<String> accountCapabilities() {
        return scope == Scope.READ ? java.util.Set.of(Capability.MAIL, Capability.PRINCIPALS)
                : java.util.Set.of(Capability.MAIL, Capability.SUBMISSION, Capability.VACATION, Capability.PRINCIPALS);
    }
}
