package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.ImapWriter;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.Shares;
import mailroom.storage.sharing.Sharing;

import java.io.IOException;
import java.util.Map;

/**
 * ACL (RFC 4314 section 3): SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS. Identifiers are
 * account addresses (a bare local part means the session's domain), "anyone", "authenticated",
 * and administrator-defined groups as "$name"; a "-" in front makes the entry's rights negative.
 * The owner of a mailbox holds every right and is not in its list.
 */
final class AclCommands {
    private AclCommands() {}

    static String setAcl(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.sp();
        String identifier = args.astring();
        args.sp();
        String change = args.astring();
        args.end();
        Places.Place place = Places.existing(s, name, "a");
        String id = identifier(s, identifier);
        char mode = change.isEmpty() ? '=' : change.charAt(0);
        String letters = mode == '+' || mode == '-' ? change.substring(1) : change;
        // An unknown right is a BAD reply (section 3.1).
        Rights given = Rights.parse(letters).orElseThrow(() -> new ImapException.Bad("Unknown right in \"" + letters + "\" (rights are " + Rights.ALL_LETTERS + "cd)"));
        var sharing = s.server.storage.sharing();
        Rights before = sharing.acl(place.mailbox().accountId(), place.mailbox().id()).getOrDefault(id, Rights.NONE);
        Rights after = switch (mode) {
            case '+' -> before.plus(given);
            case '-' -> before.minus(given);
            default -> given;
        };
        refuseLosingAdmin(s, place, id, after);
        Places.shared(s).setRights(s.account, place.owner(), place.mailbox(), id, after);
        return "SETACL completed";
    }

    static String deleteAcl(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.sp();
        String identifier = args.astring();
        args.end();
        Places.Place place = Places.existing(s, name, "a");
        String id = identifier(s, identifier);
        refuseLosingAdmin(s, place, id, Rights.NONE);
        Places.shared(s).setRights(s.account, place.owner(), place.mailbox(), id, Rights.NONE);
        return "DELETEACL completed";
    }

    static String getAcl(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        Places.Place place = Places.existing(s, name, "a");
        StringBuilder line = new StringBuilder("ACL ").append(s.wireName(name));
        if (!place.owner().role()) line.append(' ').append(ImapWriter.astring(place.owner().address(), s.utf8())).append(' ').append(Rights.ALL.withObsolete());
        for (Map.Entry<String, Rights> e : s.server.storage.sharing().acl(place.mailbox().accountId(), place.mailbox().id()).entrySet()) {
            line.append(' ').append(ImapWriter.astring(e.getKey(), s.utf8())).append(' ').append(ImapWriter.astring(e.getValue().withObsolete(), s.utf8()));
        }
        s.untagged(line.toString());
        return "GETACL completed";
    }

    static String listRights(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.sp();
        String identifier = args.astring();
        args.end();
        Places.Place place = Places.existing(s, name, "a");
        String id = identifier(s, identifier);
        boolean owner = id.equals(Sharing.identifier(place.owner()));
        // The owner holds everything, always; anyone else may be granted any right on its own.
        String rights = owner ? Rights.ALL.withObsolete() : "\"\" " + String.join(" ", Rights.ALL_LETTERS.split("")) + " c d";
        s.untagged("LISTRIGHTS " + s.wireName(name) + " " + ImapWriter.astring(identifier, s.utf8()) + " " + rights);
        return "LISTRIGHTS completed";
    }

    static String myRights(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        Places.Place place = Places.find(s, name).orElseThrow(() -> new ImapException.No("NONEXISTENT", "No such mailbox"));
        if (place.rights().isEmpty()) throw new ImapException.No("NONEXISTENT", "No such mailbox"); // any right lets one ask (section 3.5)
        s.untagged("MYRIGHTS " + s.wireName(name) + " " + ImapWriter.astring(place.rights().withObsolete(), s.utf8()));
        return "MYRIGHTS completed";
    }

    /** The identifier in its stored form (see {@link Shares#identifier}); NO for one that names nobody. */
    private static String identifier(ImapSession s, String given) throws ImapException.No {
        try {
            return new Shares(s.server.accounts).identifier(given, s.account.domain());
        } catch (IllegalArgumentException e) {
            throw new ImapException.No("Unknown identifier: " + e.getMessage());
        }
    }

    /**
     * The owner's rights are not in the list and cannot be changed; nobody may take the "a" right
     * away from themselves, which would leave them unable to undo it.
     */
    private static void refuseLosingAdmin(ImapSession s, Places.Place place, String id, Rights after) throws ImapException.No {
        if (id.equals(Sharing.identifier(place.owner()))) {
            throw new ImapException.No("CANNOT", "The owner of a mailbox always holds every right");
        }
        if (!place.own() && id.equals(Sharing.identifier(s.account)) && !after.has('a')) {
            throw new ImapException.No("CANNOT", "You cannot take away your own right to administer this mailbox");
        }
    }
}
