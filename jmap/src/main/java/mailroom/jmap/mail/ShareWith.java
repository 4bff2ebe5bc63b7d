package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Json;
import mailroom.jmap.sharing.PrincipalIds;
import mailroom.storage.Mailbox;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.SharedMailboxes;
import mailroom.storage.sharing.Sharing;

import java.util.List;
import java.util.Map;

/**
 * A Mailbox's shareWith property (RFC 9670 section 4), read from and written to the mailbox's IMAP
 * access list: principal id to MailboxRights.
 */
final class ShareWith {
    private ShareWith() {}

    /**
     * RFC 9670 section 4: who else the mailbox is shared with, by principal, when the login may see
     * that (it holds "a", as IMAP GETACL asks); identifiers without a principal ("anyone",
     * "authenticated", negative entries) are IMAP's alone and not shown.
     */
    static ObjectNode of(MailContext mail, Reach reach, Mailbox m) {
        if (!reach.may(m.id(), "a")) return null;
        ObjectNode out = Json.object();
        mail.storage().sharing().acl(reach.accountId(), m.id()).forEach((identifier, rights) ->
                PrincipalIds.ofIdentifier(mail.storage(), identifier).ifPresent(id -> out.set(id, MailboxRights.toJson(rights))));
        return out.isEmpty() ? null : out;
    }

    /**
     * Changes who the mailbox is shared with (RFC 9670 section 4): "shareWith" replaces every entry
     * that names a principal, "shareWith/ID" one of them. It takes "a" (RFC 4314, as SETACL); the
     * owner is never in the list, and nobody takes away their own "a".
     */
    static void change(MailContext mail, Reach reach, Mailbox m, String key, JsonNode value) {
        reach.require(m.id(), "a", "share");
        var sharing = mail.storage().sharing();
        Map<String, Rights> wanted = new java.util.LinkedHashMap<>();
        if (key.equals("shareWith")) {
            if (value != null && !value.isNull() && !value.isObject()) throw invalidShare(key, "shareWith is an object or null");
            if (value != null && value.isObject()) for (var e : value.properties()) wanted.put(identifierOf(mail, reach, key + "/" + e.getKey()), rightsOf(key, e.getValue()));
            for (String identifier : sharing.acl(reach.accountId(), m.id()).keySet()) {
                if (PrincipalIds.ofIdentifier(mail.storage(), identifier).isPresent()) wanted.putIfAbsent(identifier, Rights.NONE);
            }
        } else {
            wanted.put(identifierOf(mail, reach, key), value == null || value.isNull() ? Rights.NONE : rightsOf(key, value));
        }
        String self = Sharing.identifier(reach.reader());
        if (!reach.own() && wanted.containsKey(self) && !wanted.get(self).has('a')) {
            throw new Standard.Refused("forbidden", "you may not take away your own right to share this mailbox");
        }
        var owner = mail.storage().directory().account(reach.accountId()).orElseThrow();
        var shared = new SharedMailboxes(mail.storage());
        wanted.forEach((identifier, rights) -> shared.setRights(reach.reader(), owner, m, identifier, rights));
    }

    private static String identifierOf(MailContext mail, Reach reach, String key) {
        String principal = key.substring("shareWith/".length());
        String identifier = PrincipalIds.identifier(mail.storage(), principal).orElseThrow(() -> invalidShare(key, "no principal " + principal));
        var owner = mail.storage().directory().account(reach.accountId()).orElseThrow();
        if (identifier.equals(Sharing.identifier(owner))) throw invalidShare(key, "the account's owner holds every right already");
        return identifier;
    }

    private static Rights rightsOf(String key, JsonNode value) {
        return MailboxRights.parse(value).orElseThrow(() -> invalidShare(key, "the rights are a MailboxRights object of booleans"));
    }

    private static Standard.Refused invalidShare(String property, String why) {
        return new Standard.Refused(new Standard.SetError("invalidProperties", why, List.of(property)));
    }
}
