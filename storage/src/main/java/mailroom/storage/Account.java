package mailroom.storage;

/** A mail account: one user, one login, one set of mailboxes. {@code username} is the local part. */
public record Account(long id, String username, String domain, String passwordHash) {
    public String address() {
        return username + "@" + domain;
    }
}
