package mailroom.imap;

import mailroom.storage.Account;
import mailroom.storage.Mailbox;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.SharedMailboxes;

import java.util.Optional;

/**
 * Where a mailbox name takes a session: a mailbox of its own account, or, under "Other Users/" and
 * "Shared/" (RFC 2342), one another account shares with it. Every command that names a mailbox
 * comes through here, and here the rights it needs are checked, as RFC 4314 section 4 lists them
 * per command. A mailbox the reader may not even see ("l") is reported as missing, so its
 * existence is not given away (section 6).
 */
final class Places {
    private Places() {}

    /** A mailbox as this session reaches it, under the name the session uses. */
    record Place(String name, Account owner, Mailbox mailbox, Rights rights, boolean seenPerReader) {
        boolean own() {
            return !name.startsWith(SharedMailboxes.OTHER_USERS + "/") && !name.startsWith(SharedMailboxes.SHARED + "/");
        }
    }

    static SharedMailboxes shared(ImapSession s) {
        return new SharedMailboxes(s.server.storage);
    }

    /** Where a name points, existing or not (CREATE, APPEND's TRYCREATE); NONEXISTENT for an owner that is not there. */
    static SharedMailboxes.Target target(ImapSession s, String name) throws ImapException.No {
        return shared(s).resolve(s.account, name).orElseThrow(() -> new ImapException.No("NONEXISTENT", "No such mailbox"));
    }

    static Optional<Place> find(ImapSession s, String name) {
        var target = shared(s).resolve(s.account, name);
        if (target.isEmpty() || target.get().ownerName().isEmpty()) return Optional.empty();
        Account owner = target.get().owner();
        return s.server.storage.mail().mailbox(owner.id(), target.get().ownerName()).map(m -> place(s, name, owner, m));
    }

    private static Place place(ImapSession s, String name, Account owner, Mailbox m) {
        if (owner.id() == s.account.id()) return new Place(name, owner, m, Rights.ALL, false);
        Rights rights = shared(s).rights(s.account, owner.id(), m.id());
        return new Place(name, owner, m, rights, !s.server.storage.sharing().sharedSeen(owner.id(), m.id()));
    }

    /**
     * The existing mailbox of that name, on which the session holds every right of {@code needed}.
     * NONEXISTENT when it is not there or the session may neither see it nor do this; NOPERM when
     * it may see it but not do this.
     */
    static Place existing(ImapSession s, String name, String needed) throws ImapException.No {
        Place place = find(s, name).orElseThrow(() -> new ImapException.No("NONEXISTENT", "No such mailbox"));
        require(place, needed);
        return place;
    }

    static void require(Place place, String needed) throws ImapException.No {
        for (char right : needed.toCharArray()) {
            if (place.rights().has(right)) continue;
            if (!place.rights().has('l') && !place.rights().has('r')) throw new ImapException.No("NONEXISTENT", "No such mailbox");
            throw new ImapException.No("NOPERM", "You lack the right '" + right + "' on this mailbox");
        }
    }
}
