package mailroom.storage;

import java.util.List;
import java.util.Optional;

/** Domains and accounts (later also aliases, routes and nodes). Look-ups of local parts ignore case. */
public interface Directory {

    /** Adds a local domain; adding an existing one is a no-op. */
    void addDomain(String domain);

    boolean isLocalDomain(String domain);

    List<String> domains();

    /** Creates an account; fails with {@link AlreadyExists} when the address is taken. */
    Account addAccount(String username, String domain, String passwordHash);

    Optional<Account> account(String username, String domain);

    Optional<Account> account(long id);

    List<Account> accounts();

    boolean setPassword(long accountId, String passwordHash);

    /** Sets the account's storage limit in bytes; 0 removes it. */
    boolean setQuota(long accountId, long quotaBytes);

    boolean deleteAccount(long accountId);

    final class AlreadyExists extends StorageException {
        public AlreadyExists(String what) {
            super(what + " already exists");
        }
    }
}
