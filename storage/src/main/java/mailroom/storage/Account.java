package mailroom.storage;

/**
 * A mail account: one user, one login, one set of mailboxes. {@code username} is the local part;
 * {@code quotaBytes} limits the size of all its mail, 0 for no limit. {@code scram} holds the
 * SCRAM-SHA-256 credentials (empty until the password is next set or used). An {@code admin} may
 * use the admin API and console. An account without a password is a {@link #role()} account.
 */
public record Account(long id, String username, String domain, String passwordHash, long quotaBytes, String scram, boolean admin) {
    /**
     * A role account (a help desk, a lab's instrument) belongs to no person: it has no password, so
     * nobody logs in to it, and people reach its mailboxes through what it shares with them.
     */
    public boolean role() {
        return passwordHash == null || passwordHash.isEmpty();
    }

    public String address() {
        return username + "@" + domain;
    }

    /** True when {@code moreBytes} on top of {@code usedBytes} would exceed the quota. */
    public boolean overQuota(long usedBytes, long moreBytes) {
        return quotaBytes > 0 && usedBytes + moreBytes > quotaBytes;
    }
}
