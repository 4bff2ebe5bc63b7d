package mailroom.storage.sharing;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What is stored about sharing mailboxes between accounts (RFC 4314): each mailbox's access
 * control list, the groups an administrator defines, and \Seen kept per reader for mailboxes whose
 * seen state is private. Rows are keyed by the owner's account; {@link SharedMailboxes} turns them
 * into rights and names.
 *
 * <p>An identifier is an account's address ("bob@example.org"), {@code anyone}, {@code authenticated},
 * or a group as {@code $name}; with a "-" in front it carries negative rights (section 2).
 */
public interface Sharing {
    String ANYONE = "anyone";
    String AUTHENTICATED = "authenticated";
    String GROUP_PREFIX = "$";

    /** How a list names an account: its address in lower case. */
    static String identifier(mailroom.storage.Account account) {
        return account.address().toLowerCase(java.util.Locale.ROOT);
    }

    /** One entry of a mailbox's list. */
    record Entry(long ownerId, long mailboxId, String identifier, Rights rights) {}

    /** A mailbox's list, by identifier. */
    Map<String, Rights> acl(long ownerId, long mailboxId);

    /** Sets an identifier's rights on a mailbox; empty rights remove the entry. */
    void setRights(long ownerId, long mailboxId, String identifier, Rights rights);

    /** Every entry naming one of {@code identifiers} (negative ones included): where a reader may have rights. */
    List<Entry> entriesFor(Collection<String> identifiers);

    /** Creates a group (no-op when it exists). */
    void createGroup(String name);

    /** Deletes a group, its members and every list entry naming it; false when there was none. */
    boolean deleteGroup(String name);

    /** Adds or removes a member. */
    void setMember(String group, long accountId, boolean member);

    /** Every group with its members' account ids. */
    Map<String, Set<Long>> groups();

    /** The groups an account belongs to. */
    Set<String> groupsOf(long accountId);

    /** Whether a mailbox keeps one \Seen for everybody (the default is one per reader). */
    boolean sharedSeen(long ownerId, long mailboxId);

    void setSharedSeen(long ownerId, long mailboxId, boolean shared);

    /** The UIDs a reader has seen in another account's mailbox whose seen state is private. */
    Set<Long> seenBy(long ownerId, long mailboxId, long readerId);

    /**
     * Marks messages seen or unseen for one reader. The messages get a new MODSEQ in the owner's
     * change log (their flags stay), so every session and CONDSTORE client notices; returns that
     * MODSEQ, 0 when nothing changed.
     */
    long setSeenBy(long ownerId, long mailboxId, long readerId, Collection<Long> uids, boolean seen);

    /**
     * A note to an account that its rights on another account's mailbox changed (RFC 9670 section
     * 4): who changed them ({@code changedById} 0 for the administrator), which mailbox, and the
     * rights before and after.
     */
    record Notification(long id, long accountId, java.time.Instant created, long changedById, String changedByName, String changedByEmail,
                        long ownerId, long mailboxId, String mailboxName, Rights oldRights, Rights newRights) {}

    /** Keeps a notification; its id is given here (ids are never reused). */
    void addNotification(Notification notification);

    /** An account's notifications, oldest first. */
    List<Notification> notifications(long accountId);

    /** Removes one of an account's notifications; false when it has none of that id. */
    boolean deleteNotification(long accountId, long id);

    /**
     * Forgets an account that is being deleted as a reader: the entries naming it, its group
     * memberships, what it has seen elsewhere and the notifications about its mailboxes (what it
     * shared goes with its mail), so a new account of the same address inherits nothing.
     */
    void forgetAccount(long accountId, String address);
}
