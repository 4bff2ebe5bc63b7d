package mailroom.jmap.sharing;

import mailroom.storage.Account;
import mailroom.storage.Storage;
import mailroom.storage.sharing.Sharing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The ids of principals (RFC 9670 section 2): "p" and the storage id for an account, a person's or a
 * role's; "g" and the group's name, base64url-encoded because a JMAP id has no dots (RFC 8620
 * section 1.2). Each stands for one identifier of the IMAP access lists (RFC 4314), which is what
 * a share stores; "anyone" and "authenticated" have no principal and stay IMAP's.
 */
public final class PrincipalIds {
    private PrincipalIds() {}

    public static String of(Account account) {
        return "p" + account.id();
    }

    public static String ofGroup(String group) {
        return "g" + Base64.getUrlEncoder().withoutPadding().encodeToString(group.getBytes(StandardCharsets.UTF_8));
    }

    /** The principal an access-list identifier names, if it names one. */
    public static Optional<String> ofIdentifier(Storage storage, String identifier) {
        if (identifier.startsWith(Sharing.GROUP_PREFIX)) return Optional.of(ofGroup(identifier.substring(Sharing.GROUP_PREFIX.length())));
        int at = identifier.lastIndexOf('@');
        if (at < 0) return Optional.empty();
        return storage.directory().account(identifier.substring(0, at), identifier.substring(at + 1)).map(PrincipalIds::of);
    }

    /** The access-list identifier of a principal that exists. */
    public static Optional<String> identifier(Storage storage, String principalId) {
        if (principalId == null) return Optional.empty();
        if (principalId.matches("p[0-9]{1,18}")) {
            return storage.directory().account(Long.parseLong(principalId.substring(1))).map(Sharing::identifier);
        }
        if (principalId.matches("g[A-Za-z0-9_-]{1,100}")) {
            String group;
            try {
                group = new String(Base64.getUrlDecoder().decode(principalId.substring(1)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            return storage.sharing().groups().containsKey(group) ? Optional.of(Sharing.GROUP_PREFIX + group) : Optional.empty();
        }
        return Optional.empty();
    }
}
