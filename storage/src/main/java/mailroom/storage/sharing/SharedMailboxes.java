package mailroom.storage.sharing;

import mailroom.storage.Account;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mailboxes as one account sees them, in the three namespaces of RFC 2342: its own; "Other
 * Users/OWNER/..." for mailboxes people share with it; "Shared/ROLE/..." for those of role accounts,
 * which belong to nobody. OWNER and ROLE are the local part when the owner is in the reader's
 * domain, else the whole address. Rights come from each mailbox's list as RFC 4314 section 2 says:
 * the union of what the entries naming the reader grant (its address, its groups, "anyone",
 * "authenticated"), less the union of the negative entries; an owner has every right on its own.
 */
public final class SharedMailboxes {
    public static final String OTHER_USERS = "Other Users";
    public static final String SHARED = "Shared";

    private final Storage storage;

    public SharedMailboxes(Storage storage) {
        this.storage = storage;
    }

    /** Where a name the reader uses points: the owner's account and the mailbox's name there (empty for the namespace's own level). */
    public record Target(Account owner, String ownerName, String prefix) {
        public boolean shared() {
            return !prefix.isEmpty();
        }

        /** The name as the reader sees it of the owner's mailbox {@code name}. */
        public String readerName(String name) {
            return prefix + name;
        }
    }

    /** A mailbox of another account that the reader may see (has "l" on), under the name the reader uses. */
    public record View(String name, Account owner, Mailbox mailbox, Rights rights) {}

    /** The identifiers that name an account in a list: its address, its groups, "anyone" and "authenticated". */
    public Set<String> identifiersOf(Account reader) {
        Set<String> ids = new TreeSet<>();
        ids.add(Sharing.identifier(reader));
        ids.add(Sharing.ANYONE);
        ids.add(Sharing.AUTHENTICATED);
        for (String group : storage.sharing().groupsOf(reader.id())) ids.add(Sharing.GROUP_PREFIX + group);
        return ids;
    }

    public Rights rights(Account reader, long ownerId, long mailboxId) {
        if (reader.id() == ownerId) return Rights.ALL;
        return effective(storage.sharing().acl(ownerId, mailboxId), identifiersOf(reader));
    }

    /** RFC 4314 section 2: what the entries naming the reader grant, less what its negative entries take away. */
    static Rights effective(Map<String, Rights> acl, Set<String> identifiers) {
        Rights granted = Rights.NONE, denied = Rights.NONE;
        for (var e : acl.entrySet()) {
            String id = e.getKey();
            if (id.startsWith("-")) {
                if (identifiers.contains(id.substring(1))) denied = denied.plus(e.getValue());
            } else if (identifiers.contains(id)) {
                granted = granted.plus(e.getValue());
            }
        }
        return granted.minus(denied);
    }

    /**
     * Resolves a name in the reader's terms. Empty when it lies in another account's namespace that
     * does not exist ("Other Users/nobody/x", or a person under "Shared/").
     */
    public Optional<Target> resolve(Account reader, String name) {
        for (String namespace : List.of(OTHER_USERS, SHARED)) {
            if (!name.startsWith(namespace + "/")) continue;
            String rest = name.substring(namespace.length() + 1);
            int slash = rest.indexOf('/');
            String label = slash < 0 ? rest : rest.substring(0, slash);
            Optional<Account> owner = owner(reader, label);
            if (owner.isEmpty() || owner.get().role() != namespace.equals(SHARED) || owner.get().id() == reader.id()) return Optional.empty();
            return Optional.of(new Target(owner.get(), slash < 0 ? "" : rest.substring(slash + 1), prefix(reader, owner.get())));
        }
        return Optional.of(new Target(reader, name, ""));
    }

    /** "Other Users/bob/" or "Shared/helpdesk/": the start of every name of the owner's mailboxes for this reader. */
    public String prefix(Account reader, Account owner) {
        String label = owner.domain().equalsIgnoreCase(reader.domain()) ? owner.username() : owner.address();
        return (owner.role() ? SHARED : OTHER_USERS) + "/" + label + "/";
    }

    private Optional<Account> owner(Account reader, String label) {
        int at = label.lastIndexOf('@');
        return at < 0 ? storage.directory().account(label, reader.domain())
                : storage.directory().account(label.substring(0, at), label.substring(at + 1));
    }

    /** Other accounts' mailboxes the reader may see, with its rights, ordered by name. */
    public List<View> visible(Account reader) {
        return visible(reader, -1);
    }

    /** The mailboxes of one other account that the reader may see, with its rights, ordered by name. */
    public List<View> visibleIn(Account reader, long ownerId) {
        return ownerId == reader.id() ? List.of() : visible(reader, ownerId);
    }

    /**
     * The reader's rights on other accounts' mailboxes that it may see ("l"), by owner and mailbox,
     * from the list entries alone: what deciding which accounts a reader reaches needs, without
     * reading any owner's mailboxes. ({@code onlyOwner} below 0: every owner.)
     */
    public Map<Long, Map<Long, Rights>> grants(Account reader, long onlyOwner) {
        Set<String> identifiers = identifiersOf(reader);
        Map<Long, Map<Long, Map<String, Rights>>> entries = new HashMap<>(); // owner -> mailbox -> list
        for (Sharing.Entry e : storage.sharing().entriesFor(identifiers)) {
            if (e.ownerId() == reader.id() || (onlyOwner >= 0 && e.ownerId() != onlyOwner)) continue;
            entries.computeIfAbsent(e.ownerId(), k -> new HashMap<>()).computeIfAbsent(e.mailboxId(), k -> new HashMap<>()).put(e.identifier(), e.rights());
        }
        Map<Long, Map<Long, Rights>> out = new HashMap<>();
        entries.forEach((owner, lists) -> lists.forEach((mailbox, acl) -> {
            Rights rights = effective(acl, identifiers);
            if (rights.has('l')) out.computeIfAbsent(owner, k -> new HashMap<>()).put(mailbox, rights);
        }));
        return out;
    }

    private List<View> visible(Account reader, long onlyOwner) {
        List<View> out = new ArrayList<>();
        for (var byOwner : grants(reader, onlyOwner).entrySet()) {
            Optional<Account> owner = storage.directory().account(byOwner.getKey());
            if (owner.isEmpty()) continue;
            String prefix = prefix(reader, owner.get());
            for (Mailbox m : storage.mail().mailboxes(owner.get().id())) {
                Rights rights = byOwner.getValue().get(m.id());
                if (rights != null) out.add(new View(prefix + m.name(), owner.get(), m, rights));
            }
        }
        out.sort(java.util.Comparator.comparing(View::name));
        return out;
    }

    /**
     * The account an address names when {@code sender} may send as it: a help desk's role account,
     * or a director for an assistant. That takes the "p" (post) right on the other account's INBOX,
     * given like any other right; SMTP submission and JMAP both ask here.
     */
    public Optional<Account> delegator(Account sender, String localPart, String domain) {
        Optional<Account> other = storage.directory().account(localPart, domain);
        if (other.isEmpty() || other.get().id() == sender.id()) return Optional.empty();
        var inbox = storage.mail().mailbox(other.get().id(), Mailbox.INBOX);
        if (inbox.isEmpty()) return Optional.empty();
        return rights(sender, other.get().id(), inbox.get().id()).has('p') ? other : Optional.empty();
    }

    /**
     * Sets an identifier's rights on a mailbox, and leaves a notification (RFC 9670 section 4) with
     * every account whose own rights on it changed by that: the account the identifier names, or
     * the members of its group. "anyone" and "authenticated" name everybody and tell nobody.
     * {@code changedBy} is null for the administrator. Every way of changing a list comes here:
     * IMAP SETACL and DELETEACL, JMAP shareWith, `mailroom share` and the admin API.
     */
    public void setRights(Account changedBy, Account owner, Mailbox mailbox, String identifier, Rights rights) {
        List<Account> told = new ArrayList<>();
        for (Account a : accountsNamed(identifier.startsWith("-") ? identifier.substring(1) : identifier)) if (a.id() != owner.id()) told.add(a);
        Map<Long, Rights> before = new HashMap<>();
        for (Account a : told) before.put(a.id(), rights(a, owner.id(), mailbox.id()));
        storage.sharing().setRights(owner.id(), mailbox.id(), identifier, rights);
        java.time.Instant now = java.time.Instant.now();
        for (Account a : told) {
            Rights after = rights(a, owner.id(), mailbox.id());
            if (after.equals(before.get(a.id()))) continue;
            storage.sharing().addNotification(new Sharing.Notification(0, a.id(), now, changedBy == null ? 0 : changedBy.id(),
                    changedBy == null ? "administrator" : changedBy.address(), changedBy == null ? null : changedBy.address(),
                    owner.id(), mailbox.id(), mailbox.name(), before.get(a.id()), after));
        }
    }

    private List<Account> accountsNamed(String identifier) {
        if (identifier.startsWith(Sharing.GROUP_PREFIX)) {
            Set<Long> members = storage.sharing().groups().getOrDefault(identifier.substring(Sharing.GROUP_PREFIX.length()), Set.of());
            return members.stream().map(id -> storage.directory().account(id)).flatMap(Optional::stream).toList();
        }
        int at = identifier.lastIndexOf('@');
        if (at < 0) return List.of();
        return storage.directory().account(identifier.substring(0, at), identifier.substring(at + 1)).stream().toList();
    }
}
