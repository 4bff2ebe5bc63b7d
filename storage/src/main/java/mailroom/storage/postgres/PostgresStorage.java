package mailroom.storage.postgres;

import mailroom.core.event.EventBus;
import mailroom.storage.BlobStore;
import mailroom.storage.Directory;
import mailroom.storage.MailStore;
import mailroom.storage.Queue;
import mailroom.storage.Storage;
import mailroom.storage.sql.SqlDirectory;
import mailroom.storage.sql.SqlMailStore;
import mailroom.storage.sql.SqlQueue;

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
    private final ChangeNotifications notifications;

    private PostgresStorage(String url, String user, String password, int poolSize) {
        this.db = new PostgresDatabase(url, user, password, poolSize);
        this.blobs = new PostgresBlobStore(db);
        this.mail = new SqlMailStore(db, blobs, events);
        this.directory = new SqlDirectory(db);
        this.queue = new SqlQueue(db);
        this.notifications = new ChangeNotifications(db, events);
    }

    /** Connects (migrating the schema when needed); a database that cannot be reached is a StorageException with the reason. */
    public static PostgresStorage open(String url, String user, String password, int poolSize) {
        return new PostgresStorage(url, user, password, poolSize);
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
