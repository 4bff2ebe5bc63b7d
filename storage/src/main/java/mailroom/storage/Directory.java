package mailroom.storage;

import java.util.List;
import java.util.Optional;

/**
 * Domains, accounts, address aliases, DKIM keys, and (through {@link Routing}) the cluster's nodes
 * and routes, and (through {@link Administration}) who administers. Look-ups of local parts and
 * domains ignore case.
 */
public interface Directory extends Routing, Administration {

    /** Mail for {@code localPart@domain} goes to {@code targets}; local part "*" is the domain's catch-all. */
    record Alias(String localPart, String domain, List<String> targets) {
        public static final String CATCH_ALL = "*";

        public String address() {
            return localPart + "@" + domain;
        }
    }

    /** A domain's DKIM signing key (PKCS#8, base64) and the selector its public key is published under. */
    record DkimKey(String domain, String selector, String privateKey) {}

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

    boolean setScram(long accountId, String scram);

    /** Creates or replaces an alias. */
    void setAlias(Alias alias);

    Optional<Alias> alias(String localPart, String domain);

    List<Alias> aliases();

    boolean deleteAlias(String localPart, String domain);

    /** Sets (or replaces) the domain's DKIM key. */
    void setDkimKey(DkimKey key);

    Optional<DkimKey> dkimKey(String domain);

    final class AlreadyExists extends StorageException {
        public AlreadyExists(String what) {
            super(what + " already exists");
        }
    }
}
