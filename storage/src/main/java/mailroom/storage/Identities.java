package mailroom.storage;

import java.util.List;
import java.util.Optional;

/**
 * The identities an account sends as (JMAP, RFC 8621 section 6): a name, an address, Reply-To and
 * Bcc to add, and signatures. Id 0 is reserved for the account's own address, stored only once it
 * is changed; other ids are given out per account and never reused. {@code replyTo} and {@code bcc}
 * are kept as the JSON text of JMAP's EmailAddress arrays (null for none). Which addresses an
 * account may use is the caller's rule, not the store's.
 */
public interface Identities {
    record Identity(long id, String name, String email, String replyTo, String bcc, String textSignature, String htmlSignature) {}

    List<Identity> list(long accountId);

    Optional<Identity> get(long accountId, long id);

    /** Stores a new identity under the next id (the given one is ignored); returns it as stored. */
    Identity create(long accountId, Identity identity);

    /** Replaces the identity with the same id, or creates it if it is id 0; false when there is none. */
    boolean update(long accountId, Identity identity);

    boolean delete(long accountId, long id);

    /**
     * A number that grows with every change of the account's identities (and only then): the
     * state string of Identity/get and /changes.
     */
    long version(long accountId);
}
