package mailroom.storage.sharing;

import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Mailbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Sharing as an administrator does it, for the command line and the admin API alike: who may do
 * what in which mailbox, groups of accounts, and whether a mailbox's \Seen is one for everybody.
 * A mailbox is named "ADDRESS/MAILBOX", or just "ADDRESS" for its INBOX. Every refusal is an
 * {@link IllegalArgumentException} whose message says what is wrong.
 */
public final class Shares {
    private static final Pattern GROUP_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Accounts accounts;
    private final Sharing sharing;

    public Shares(Accounts accounts) {
        this.accounts = accounts;
        this.sharing = accounts.storage().sharing();
    }

    /** One mailbox of one account. */
    public record MailboxOf(Account owner, Mailbox mailbox) {
        public String spec() {
            return owner.address() + "/" + mailbox.name();
        }
    }

    /** One entry of a list, as shown to an administrator. */
    public record Grant(String mailbox, String identifier, String rights) {}

    public MailboxOf mailbox(String spec) {
        int slash = spec.indexOf('/');
        String address = slash < 0 ? spec : spec.substring(0, slash);
        String name = slash < 0 ? Mailbox.INBOX : spec.substring(slash + 1);
        Account owner = accounts.find(address).orElseThrow(() -> new IllegalArgumentException("no account " + address));
        Mailbox mailbox = accounts.storage().mail().mailbox(owner.id(), name)
                .orElseThrow(() -> new IllegalArgumentException("no mailbox " + name + " in " + owner.address()));
        return new MailboxOf(owner, mailbox);
    }

    /**
     * An identifier in the form stored in lists: an existing account's address in lower case (a
     * bare local part is in {@code domain}), "anyone", "authenticated", or an existing group as
     * "$name"; a leading "-" (negative rights) is kept.
     */
    public String identifier(String given, String domain) {
        boolean negative = given.startsWith("-");
        String id = (negative ? given.substring(1) : given).toLowerCase(Locale.ROOT);
        String stored;
        if (id.equals(Sharing.ANYONE) || id.equals(Sharing.AUTHENTICATED)) {
            stored = id;
        } else if (id.startsWith(Sharing.GROUP_PREFIX)) {
            if (!sharing.groups().containsKey(id.substring(1))) throw new IllegalArgumentException("no group " + id.substring(1));
            stored = id;
        } else {
            int at = id.lastIndexOf('@');
            Optional<Account> account = at < 0 ? accounts.storage().directory().account(id, domain)
                    : accounts.storage().directory().account(id.substring(0, at), id.substring(at + 1));
            stored = Sharing.identifier(account.orElseThrow(() -> new IllegalArgumentException("no account " + id)));
        }
        return negative ? "-" + stored : stored;
    }

    /** Sets what {@code identifier} may do in the mailbox; no rights removes its entry. Returns the rights stored. */
    public Rights share(MailboxOf mailbox, String identifier, String rights) {
        String id = identifier(identifier, mailbox.owner().domain());
        if (id.equals(Sharing.identifier(mailbox.owner()))) {
            throw new IllegalArgumentException(mailbox.owner().address() + " owns the mailbox and always holds every right");
        }
        Rights parsed = Rights.parse(rights.equals("none") ? "" : rights)
                .orElseThrow(() -> new IllegalArgumentException("rights are letters of " + Rights.ALL_LETTERS + " (RFC 4314), not \"" + rights + "\""));
        new SharedMailboxes(accounts.storage()).setRights(null, mailbox.owner(), mailbox.mailbox(), id, parsed);
        return parsed;
    }

    public Map<String, Rights> list(MailboxOf mailbox) {
        return sharing.acl(mailbox.owner().id(), mailbox.mailbox().id());
    }

    /** Every entry of every list of the owner's mailboxes. */
    public List<Grant> grants(Account owner) {
        List<Grant> out = new ArrayList<>();
        for (Mailbox m : accounts.storage().mail().mailboxes(owner.id())) {
            sharing.acl(owner.id(), m.id()).forEach((id, rights) -> out.add(new Grant(m.name(), id, rights.letters())));
        }
        return out;
    }

    public boolean sharedSeen(MailboxOf mailbox) {
        return sharing.sharedSeen(mailbox.owner().id(), mailbox.mailbox().id());
    }

    /** One \Seen for everybody (a mailbox read as one queue), or one per reader (the default). */
    public void setSharedSeen(MailboxOf mailbox, boolean shared) {
        sharing.setSharedSeen(mailbox.owner().id(), mailbox.mailbox().id(), shared);
    }

    /** Creates the group if needed and adds the members (addresses). */
    public void addToGroup(String name, List<String> members) {
        if (!GROUP_NAME.matcher(name).matches()) throw new IllegalArgumentException("a group name is lower-case letters, digits, '.', '_' and '-': " + name);
        List<Account> found = members.stream().map(m -> accounts.find(m).orElseThrow(() -> new IllegalArgumentException("no account " + m))).toList();
        sharing.createGroup(name);
        for (Account a : found) sharing.setMember(name, a.id(), true);
    }

    public void removeFromGroup(String name, List<String> members) {
        if (!sharing.groups().containsKey(name)) throw new IllegalArgumentException("no group " + name);
        for (String m : members) sharing.setMember(name, accounts.find(m).orElseThrow(() -> new IllegalArgumentException("no account " + m)).id(), false);
    }

    public void deleteGroup(String name) {
        if (!sharing.deleteGroup(name)) throw new IllegalArgumentException("no group " + name);
    }

    /** Every group with its members' addresses. */
    public Map<String, List<String>> groups() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        sharing.groups().forEach((name, ids) -> out.put(name, ids.stream()
                .map(id -> accounts.storage().directory().account(id).map(Account::address).orElse("#" + id)).sorted().toList()));
        return out;
    }
}
