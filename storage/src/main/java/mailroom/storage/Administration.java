package mailroom.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Who may administer, and what they did: the admin flag of accounts, bearer tokens for scripts
 * (kept as SHA-256 only), and the audit log of changes made through the admin API.
 */
public interface Administration {
    /** One audited change. */
    record AuditEntry(long id, Instant at, String actor, String action, String detail) {}

    boolean setAdmin(long accountId, boolean admin);

    /** Stores a token's hash under a name; fails with {@link Directory.AlreadyExists} for a name in use. */
    void addAdminToken(String name, String tokenHash, Instant createdAt);

    /** The name of the token with this hash, if there is one. */
    Optional<String> adminTokenName(String tokenHash);

    List<String> adminTokens();

    boolean deleteAdminToken(String name);

    void audit(Instant at, String actor, String action, String detail);

    /** The newest entries first. */
    List<AuditEntry> auditLog(int limit);
}
