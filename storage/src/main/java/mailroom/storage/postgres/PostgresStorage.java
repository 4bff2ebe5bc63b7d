package mailroom.storage.postgres;

import mailroom.core.event.EventBus;
import mailroom.storage.BlobStore;
import mailroom.storage.DatabaseMember;
import mailroom.storage.Directory;
import mailroom.storage.MailStore;
import mailroom.storage.Queue;
import mailroom.storage.SieveScripts;
import mailroom.storage.Storage;
import mailroom.storage.sql.SqlDirectory;
import mailroom.storage.sql.SqlMailStore;
import mailroom.storage.sql.SqlQueue;
import mailroom.storage.sql.SqlSieveScripts;
import mailroom.storage.sql.SqlIdentities;
import mailroom.storage.Identities;

import java.time.Duration;
import java.util.List;

/**
 * The cluster backend: one PostgreSQL database holds the directory, the mail index, the message
 * bytes and the queue, so any node can serve any account, and a route change moves no data.
 * Keeping that database safe (streaming replication, backups) is PostgreSQL's work, not ours.
 */
public final class PostgresStorage implements Storage {
    private final PostgresDatabase db;
    private final EventBus events = new EventBus();
    private final PostgresBlobStore blobs;
    private final SqlMailStore mail;
    private final SqlDirectory directory;
    private final SqlQueue queue;
    private final SqlSieveScripts sieve;
    private final mailroom.storage.sql.SqlSharing sharing;
    private final SqlIdentities identities;
    private final mailroom.storage.sql.SqlLoginFailures loginFailures;
    private final ChangeNotifications notifications;

    private final DatabaseCluster cluster;

    /**
     * Where the database is and how to reach it. {@code url} may list several members with
     * {@code targetServerType=primary}; work waits up to {@code failoverWait} for a new primary;
     * {@code patroniPort} is where each member's Patroni answers (0: no Patroni).
     */
    public record Settings(String url, String user, String password, int poolSize, Duration failoverWait, int patroniPort) {
        public Settings(String url, String user, String password, int poolSize) {
            this(url, user, password, poolSize, Duration.ofSeconds(30), 8008);
        }
    }

    private PostgresStorage(Settings settings) {
        this.db = new PostgresDatabase(settings.url(), settings.user(), settings.password(), settings.poolSize(), settings.failoverWait());
        this.cluster = new DatabaseCluster(db.members(), settings.user(), settings.password(), settings.patroniPort());
        this.blobs = new PostgresBlobStore(db);
        this.mail = new SqlMailStore(db, blobs, events, new PostgresTextIndex());
        this.directory = new SqlDirectory(db);
        this.queue = new SqlQueue(db);
        this.sieve = new SqlSieveScripts(db);
        this.sharing = new mailroom.storage.sql.SqlSharing(db, events);
        this.identities = new SqlIdentities(db);
        this.loginFailures = new mailroom.storage.sql.SqlLoginFailures(db);
        this.notifications = new ChangeNotifications(db, events);
    }

    /** Connects (migrating the schema when needed); a database that cannot be reached is a StorageException with the reason. */
    public static PostgresStorage open(Settings settings) {
        return new PostgresStorage(settings);
    }

    public static PostgresStorage open(String url, String user, String password, int poolSize) {
        return open(new Settings(url, user, password, poolSize));
    }

    /** The database's members and their manager, for status and switchovers. */
    public DatabaseCluster cluster() {
        return cluster;
    }

    @Override
    public List<DatabaseMember> databaseMembers() {
        return cluster.members();
    }

    @Override
    public boolean writable() {
        return db.primaryReachable();
    }

    @Override
    public MailStore mail() {
        return mail;
    }

    @Override
    public BlobStore blobs() {
        return blobs;
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public Queue queue() {
        return queue;
    }

    @Override
    public SieveScripts sieve() {
        return sieve;
    }

    @Override
    public mailroom.storage.sharing.Sharing sharing() {
        return sharing;
    }

    @Override
    public Identities identities() {
        return identities;
    }

    @Override
    public mailroom.core.security.LoginFailures loginFailures() {
        return loginFailures;
    }

    @Override
    public EventBus events() {
        return events;
    }

    @Override
    public LeaderLock leaderLock() {
        return new AdvisoryLeaderLock(db);
    }

    @Override
    public void close() {
        notifications.close();
        db.close();
    }
}
