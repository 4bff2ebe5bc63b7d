package mailroom.storage;

import mailroom.core.event.EventBus;

import java.io.Closeable;

/** The four stores of one node, opened together over one backend. */
public interface Storage extends Closeable {
    MailStore mail();

    BlobStore blobs();

    Directory directory();

    Queue queue();

    /** Each account's Sieve scripts and the automatic responses sent. */
    SieveScripts sieve();

    /** Who may use whose mailboxes: access control lists, groups, and \Seen per reader (RFC 4314). */
    mailroom.storage.sharing.Sharing sharing();
    /** The identities each account sends as (JMAP Identity). */
    Identities identities();

    EventBus events();

    /** Failed logins and blocked client networks, seen by every node sharing this storage (login throttling). */
    mailroom.core.security.LoginFailures loginFailures();

    /**
     * Leadership among the nodes sharing this storage: the leading director is the one whose lock
     * is {@link LeaderLock#held() held}. Each call makes a new contender.
     */
    LeaderLock leaderLock();

    /**
     * The members of the database behind this storage, with their roles: for a replicated
     * PostgreSQL, one per member; for embedded storage, none.
     */
    default java.util.List<DatabaseMember> databaseMembers() {
        return java.util.List.of();
    }

    /** Whether a write could be made now: the database answers and takes writes (asked without waiting out a failover). */
    default boolean writable() {
        return true;
    }

    /** One contender for leadership. */
    interface LeaderLock extends AutoCloseable {
        /** Tries to become the leader, or checks that it still is; false while another node leads. */
        boolean held();

        /** Gives leadership up (or stops trying). */
        @Override
        void close();
    }

    @Override
    void close();
}
