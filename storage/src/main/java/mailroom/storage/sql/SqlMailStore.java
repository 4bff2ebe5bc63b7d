package mailroom.storage.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import mailroom.core.event.EventBus;
import mailroom.core.event.MailboxEvent;
import mailroom.core.mime.MessageText;
import mailroom.core.mime.ParsedMessage;
import mailroom.storage.BlobStore;
import mailroom.storage.Change;
import mailroom.storage.Delivery;
import mailroom.storage.Import;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.StorageException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link MailStore} in SQL. Each write takes the account's next MODSEQ and logs what it touched. */
public final class SqlMailStore implements MailStore {
    /** Record components only: helpers such as MimePart.isMultipart() are not stored. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .visibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private final Database db;
    private final BlobStore blobs;
    private final EventBus events;
    private final TextIndex textIndex;

    public SqlMailStore(Database db, BlobStore blobs, EventBus events, TextIndex textIndex) {
        this.db = db;
        this.blobs = blobs;
        this.events = events;
        this.textIndex = textIndex;
    }

    @Override
    public Mailbox createMailbox(long accountId, String name, String specialUse) {
        return db.write(c -> insertMailbox(c, accountId, name, specialUse));
    }

    @Override
    public Mailbox createMailbox(long accountId, String name, String specialUse, long uidValidity) {
        return db.write(c -> insertMailbox(c, accountId, name, specialUse, uidValidity));
    }

    @Override
    public boolean setUidValidity(long accountId, long mailboxId, long uidValidity) {
        if (uidValidity <= 0 || uidValidity > 0xFFFFFFFFL) throw new IllegalArgumentException("UIDVALIDITY out of range: " + uidValidity);
        return db.write(c -> {
            // uid_next = 1: no message was ever filed here, so no client has seen a UID of it.
            try (var st = c.prepareStatement("UPDATE mailboxes SET uid_validity = ? WHERE account_id = ? AND id = ? AND uid_next = 1")) {
                st.setLong(1, uidValidity);
                st.setLong(2, accountId);
                st.setLong(3, mailboxId);
                return st.executeUpdate() > 0;
            }
        });
    }

    private static Mailbox insertMailbox(Connection c, long accountId, String name, String specialUse) throws SQLException {
        return insertMailbox(c, accountId, name, specialUse, 0);
    }

    private static Mailbox insertMailbox(Connection c, long accountId, String name, String specialUse, long givenUidValidity) throws SQLException {
        if (givenUidValidity < 0 || givenUidValidity > 0xFFFFFFFFL) throw new IllegalArgumentException("UIDVALIDITY out of range: " + givenUidValidity);
        long id;
        try (var st = c.prepareStatement("UPDATE accounts SET next_mailbox_id = next_mailbox_id + 1 WHERE id = ? RETURNING next_mailbox_id - 1")) {
            st.setLong(1, accountId);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) throw new StorageException("no account " + accountId);
                id = rs.getLong(1);
            }
        }
        // UIDVALIDITY: seconds since the epoch at creation, made unique per account by the id.
        long uidValidity = givenUidValidity > 0 ? givenUidValidity : Instant.now().getEpochSecond() + id;
        try (var st = c.prepareStatement("INSERT INTO mailboxes (account_id, id, name, uid_validity, special_use) VALUES (?, ?, ?, ?, ?)")) {
            st.setLong(1, accountId);
            st.setLong(2, id);
            st.setString(3, name);
            st.setLong(4, uidValidity);
            st.setString(5, specialUse);
            st.executeUpdate();
        } catch (SQLException e) {
            if (Database.isDuplicate(e)) throw new mailroom.storage.Directory.AlreadyExists("mailbox " + name);
            throw e;
        }
        return new Mailbox(accountId, id, name, uidValidity, 1, specialUse, 0);
    }

    @Override
    public Optional<Mailbox> mailbox(long accountId, String name) {
        return db.read(c -> mailbox(c, accountId, name));
    }

    @Override
    public Optional<Mailbox> mailbox(long accountId, long mailboxId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT id, name, uid_validity, uid_next, special_use, highest_modseq FROM mailboxes WHERE account_id = ? AND id = ?")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(mailboxOf(accountId, rs)) : Optional.empty();
                }
            }
        });
    }

    private static Optional<Mailbox> mailbox(Connection c, long accountId, String name) throws SQLException {
        try (var st = c.prepareStatement("SELECT id, name, uid_validity, uid_next, special_use, highest_modseq FROM mailboxes WHERE account_id = ? AND name = ?")) {
            st.setLong(1, accountId);
            st.setString(2, name);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(mailboxOf(accountId, rs)) : Optional.empty();
            }
        }
    }

    private static Mailbox mailboxOf(long accountId, ResultSet rs) throws SQLException {
        return new Mailbox(accountId, rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5), rs.getLong(6));
    }

    @Override
    public List<Mailbox> mailboxes(long accountId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT id, name, uid_validity, uid_next, special_use, highest_modseq FROM mailboxes WHERE account_id = ? ORDER BY name")) {
                st.setLong(1, accountId);
                List<Mailbox> out = new ArrayList<>();
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(mailboxOf(accountId, rs));
                }
                return out;
            }
        });
    }

    @Override
    public void renameMailbox(long accountId, String from, String to) {
        db.write(c -> {
            if (mailbox(c, accountId, to).isPresent()) throw new mailroom.storage.Directory.AlreadyExists("mailbox " + to);
            if (mailbox(c, accountId, from).isEmpty()) throw new StorageException("no mailbox " + from);
            try (var st = c.prepareStatement("""
                    UPDATE mailboxes SET name = CAST(? AS TEXT) || substr(name, length(CAST(? AS TEXT)) + 1)
                    WHERE account_id = ? AND (name = ? OR substr(name, 1, length(CAST(? AS TEXT)) + 1) = CAST(? AS TEXT) || '/')""")) {
                st.setString(1, to);
                st.setString(2, from);
                st.setLong(3, accountId);
                for (int i = 4; i <= 6; i++) st.setString(i, from);
                return st.executeUpdate();
            }
        });
    }

    @Override
    public void deleteMailbox(long accountId, long mailboxId) {
        db.write(c -> {
            List<String> blobIds = new ArrayList<>();
            try (var st = c.prepareStatement("DELETE FROM messages WHERE account_id = ? AND mailbox_id = ? RETURNING blob_id")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) blobIds.add(rs.getString(1));
                }
            }
            recordOrphans(c, blobIds);
            // What was shared of the mailbox goes with it: a new mailbox of the same name starts private.
            for (String sql : List.of("DELETE FROM changes WHERE account_id = ? AND mailbox_id = ?",
                    "DELETE FROM mailbox_acl WHERE account_id = ? AND mailbox_id = ?",
                    "DELETE FROM shared_seen_mailboxes WHERE account_id = ? AND mailbox_id = ?",
                    "DELETE FROM seen_by_reader WHERE account_id = ? AND mailbox_id = ?",
                    "DELETE FROM mailboxes WHERE account_id = ? AND id = ?")) {
                try (var st = c.prepareStatement(sql)) {
                    st.setLong(1, accountId);
                    st.setLong(2, mailboxId);
                    st.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public java.util.SortedSet<String> subscriptions(long accountId) {
        return db.read(c -> {
            var out = new java.util.TreeSet<String>();
            try (var st = c.prepareStatement("SELECT name FROM subscriptions WHERE account_id = ?")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    @Override
    public void setSubscribed(long accountId, String name, boolean subscribed) {
        db.write(Database.WriteKind.METADATA, c -> {
            try (var st = c.prepareStatement(subscribed
                    ? "INSERT INTO subscriptions (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING"
                    : "DELETE FROM subscriptions WHERE account_id = ? AND name = ?")) {
                st.setLong(1, accountId);
                st.setString(2, name);
                return st.executeUpdate();
            }
        });
    }

    @Override
    public Status status(long accountId, long mailboxId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("""
                    SELECT COUNT(*), COALESCE(SUM(size), 0),
                           COUNT(*) FILTER (WHERE ' ' || flags || ' ' NOT LIKE '% \\Seen %' ESCAPE '!'),
                           MIN(uid) FILTER (WHERE ' ' || flags || ' ' NOT LIKE '% \\Seen %' ESCAPE '!'),
                           COUNT(*) FILTER (WHERE uid >= (SELECT recent_uid FROM mailboxes WHERE account_id = ? AND id = ?))
                    FROM messages WHERE account_id = ? AND mailbox_id = ?""")) {
                // ESCAPE names a character that is not in the pattern, so the backslash of \Seen is literal everywhere.
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                st.setLong(3, accountId);
                st.setLong(4, mailboxId);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    return new Status(rs.getLong(1), rs.getLong(3), rs.getLong(2), rs.getLong(4), rs.getLong(5));
                }
            }
        });
    }

    @Override
    public long recentUid(long accountId, long mailboxId) {
        return db.read(c -> recentUid(c, accountId, mailboxId));
    }

    /** The mailbox's first still-\\Recent UID; MAX_VALUE for a mailbox that is gone. */
    private static long recentUid(Connection c, long accountId, long mailboxId) throws SQLException {
        try (var st = c.prepareStatement("SELECT recent_uid FROM mailboxes WHERE account_id = ? AND id = ?")) {
            st.setLong(1, accountId);
            st.setLong(2, mailboxId);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
            }
        }
    }

    @Override
    public RecentClaim claimRecent(long accountId, long mailboxId) {
        // Most SELECTs find no mail that arrived since the last one: then there is nothing to claim, and
        // no durable write (an fsync of the shared writer) to wait for. Mail arriving just after this
        // read is no worse off than mail arriving just after the claim's commit.
        long[] recentAndNext = db.read(c -> {
            try (var st = c.prepareStatement("SELECT recent_uid, uid_next FROM mailboxes WHERE account_id = ? AND id = ?")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
                }
            }
        });
        if (recentAndNext == null) return new RecentClaim(Long.MAX_VALUE, Long.MAX_VALUE); // the mailbox is gone
        if (recentAndNext[0] >= recentAndNext[1]) return new RecentClaim(recentAndNext[0], recentAndNext[0]);
        return db.write(Database.WriteKind.METADATA, c -> {
            // Compare and set: on PostgreSQL two sessions may claim at once, and only one may take a range.
            // The loser's UPDATE finds recent_uid moved and matches no row; it reads again and takes what is left.
            while (true) {
                long first, next;
                try (var st = c.prepareStatement("SELECT recent_uid, uid_next FROM mailboxes WHERE account_id = ? AND id = ?")) {
                    st.setLong(1, accountId);
                    st.setLong(2, mailboxId);
                    try (var rs = st.executeQuery()) {
                        if (!rs.next()) return new RecentClaim(Long.MAX_VALUE, Long.MAX_VALUE);
                        first = rs.getLong(1);
                        next = rs.getLong(2);
                    }
                }
                if (first >= next) return new RecentClaim(first, first);
                try (var st = c.prepareStatement("UPDATE mailboxes SET recent_uid = ? WHERE account_id = ? AND id = ? AND recent_uid = ?")) {
                    st.setLong(1, next);
                    st.setLong(2, accountId);
                    st.setLong(3, mailboxId);
                    st.setLong(4, first);
                    if (st.executeUpdate() == 1) return new RecentClaim(first, next);
                }
            }
        });
    }

    @Override
    public List<Copied> copy(long accountId, long fromMailbox, Collection<Long> uids, long toMailbox, boolean move) {
        return copy(accountId, fromMailbox, uids, accountId, toMailbox, move);
    }

    @Override
    public List<Copied> copy(long fromAccount, long fromMailbox, Collection<Long> uids, long toAccount, long toMailbox, boolean move) {
        long[] modseqs = new long[2];
        var result = db.write(c -> {
            List<Copied> copied = new ArrayList<>();
            long modseq = nextModseq(c, toAccount);
            try (var insert = c.prepareStatement("""
                    INSERT INTO messages (account_id, mailbox_id, uid, blob_id, size, internal_date, flags, modseq, structure, message_id, thread_id)
                    SELECT ?, ?, ?, blob_id, size, internal_date, flags, ?, structure, message_id, thread_id FROM messages
                    WHERE account_id = ? AND mailbox_id = ? AND uid = ?""")) {
                for (long uid : new java.util.TreeSet<>(uids)) {
                    long target = nextUid(c, toAccount, toMailbox);
                    insert.setLong(1, toAccount);
                    insert.setLong(2, toMailbox);
                    insert.setLong(3, target);
                    insert.setLong(4, modseq);
                    insert.setLong(5, fromAccount);
                    insert.setLong(6, fromMailbox);
                    insert.setLong(7, uid);
                    if (insert.executeUpdate() > 0) copied.add(new Copied(uid, target));
                    else undoUid(c, toAccount, toMailbox);
                }
            }
            if (copied.isEmpty()) return copied;
            logChange(c, toAccount, modseq, toMailbox, copied.stream().map(Copied::targetUid).toList(), Change.Kind.ADDED);
            modseqs[0] = modseq;
            if (move) {
                long sourceModseq = fromAccount == toAccount ? modseq : nextModseq(c, fromAccount);
                List<Long> sources = copied.stream().map(Copied::sourceUid).toList();
                try (var st = c.prepareStatement("DELETE FROM messages WHERE account_id = ? AND mailbox_id = ? AND uid = ?")) {
                    for (long uid : sources) {
                        st.setLong(1, fromAccount);
                        st.setLong(2, fromMailbox);
                        st.setLong(3, uid);
                        st.addBatch();
                    }
                    st.executeBatch();
                }
                forgetSeenByReaders(c, fromAccount, fromMailbox, sources);
                logChange(c, fromAccount, sourceModseq, fromMailbox, sources, Change.Kind.EXPUNGED);
                modseqs[1] = sourceModseq;
            }
            return copied;
        });
        if (!result.isEmpty()) {
            events.publish(new MailboxEvent(toAccount, toMailbox, modseqs[0]));
            if (move) events.publish(new MailboxEvent(fromAccount, fromMailbox, modseqs[1]));
        }
        return result;
    }

    /** Readers' own \\Seen of messages that are gone, so what is left counts exactly what a reader has seen. */
    private static void forgetSeenByReaders(Connection c, long accountId, long mailboxId, Collection<Long> uids) throws SQLException {
        try (var st = c.prepareStatement("DELETE FROM seen_by_reader WHERE account_id = ? AND mailbox_id = ? AND uid = ?")) {
            for (long uid : uids) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                st.setLong(3, uid);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Gives back a UID taken for a message that turned out not to exist, so UIDs stay dense. */
    private static void undoUid(Connection c, long accountId, long mailboxId) throws SQLException {
        try (var st = c.prepareStatement("UPDATE mailboxes SET uid_next = uid_next - 1 WHERE account_id = ? AND id = ?")) {
            st.setLong(1, accountId);
            st.setLong(2, mailboxId);
            st.executeUpdate();
        }
    }

    @Override
    public List<Delivery.Filed> deliver(Delivery delivery, List<Delivery.Target> targets) {
        String structure = toJson(delivery.parsed());
        MessageText.Indexed text = textOf(delivery.blobId(), delivery.parsed());
        List<Delivery.Filed> filed = db.write(c -> {
            // Serialised with collectBlobs: a blob collected after it was written is refused here.
            if (!blobs.exists(delivery.blobId())) throw new StorageException("blob " + delivery.blobId() + " is gone; deliver again");
            if (!targets.isEmpty()) indexText(c, delivery.blobId(), text);
            List<Delivery.Filed> out = new ArrayList<>(targets.size());
            for (var target : targets) {
                if (target.onceKey() != null && !firstTime(c, target.accountId(), target.onceKey())) continue;
                Mailbox box = mailbox(c, target.accountId(), target.mailbox()).orElse(null);
                if (box == null) box = insertMailbox(c, target.accountId(), target.mailbox(), null);
                long uid = nextUid(c, target.accountId(), box.id());
                long modseq = nextModseq(c, target.accountId());
                try (var st = c.prepareStatement(INSERT_MESSAGE)) {
                    insertMessage(c, st, target.accountId(), box.id(), uid, delivery.blobId(), delivery.parsed(), delivery.internalDate(),
                            target.flags(), modseq, structure);
                }
                logChange(c, target.accountId(), modseq, box.id(), List.of(uid), Change.Kind.ADDED, List.of(String.join(" ", target.flags())));
                out.add(new Delivery.Filed(target.accountId(), box.id(), uid, modseq));
            }
            return out;
        });
        filed.forEach(f -> events.publish(new MailboxEvent(f.accountId(), f.mailboxId(), f.modseq())));
        return filed;
    }

    @Override
    public List<Import.Outcome> importMessages(long accountId, List<Import> batch) {
        if (batch.isEmpty()) return List.of();
        List<String> structures = batch.stream().map(i -> toJson(i.parsed())).toList();
        List<MessageText.Indexed> texts = batch.stream().map(i -> textOf(i.blobId(), i.parsed())).toList();
        Map<Long, Long> touched = new HashMap<>(); // mailbox id -> MODSEQ, announced after the commit
        List<Import.Outcome> outcomes = db.write(c -> {
            touched.clear();
            // Serialised with collectBlobs, as in deliver(): a blob collected after it was written is refused.
            for (Import i : batch) {
                if (!blobs.exists(i.blobId())) throw new StorageException("blob " + i.blobId() + " is gone; import again");
            }
            long quota = quotaOf(c, accountId);
            long used = quota > 0 ? accountSize(c, accountId) : 0;
            long modseq = nextModseq(c, accountId); // one MODSEQ for the batch, as COPY takes one for many messages
            Map<String, Mailbox> boxes = new HashMap<>();
            List<Import.Outcome> out = new ArrayList<>(batch.size());
            try (var journaled = c.prepareStatement("SELECT mailbox_id, uid FROM import_journal WHERE account_id = ? AND source = ? AND folder = ? AND uid_validity = ? AND item = ?");
                 var takeUid = c.prepareStatement("""
                         UPDATE mailboxes SET uid_next = CASE WHEN ? >= uid_next THEN ? + 1 ELSE uid_next + 1 END
                         WHERE account_id = ? AND id = ? RETURNING uid_next - 1""");
                 var insert = c.prepareStatement(INSERT_MESSAGE);
                 var journal = c.prepareStatement("INSERT INTO import_journal (account_id, source, folder, uid_validity, item, mailbox_id, uid) VALUES (?, ?, ?, ?, ?, ?, ?)");
                 var change = c.prepareStatement("INSERT INTO changes (account_id, modseq, mailbox_id, uid, kind, flags) VALUES (?, ?, ?, ?, 'ADDED', ?)")) {
                for (int n = 0; n < batch.size(); n++) {
                    Import i = batch.get(n);
                    if (i.key() != null) {
                        var done = journaled(journaled, accountId, i.key());
                        if (done != null) {
                            out.add(done);
                            continue;
                        }
                    }
                    if (quota > 0 && used + i.parsed().size() > quota) {
                        out.add(new Import.OverQuota(used, quota));
                        continue;
                    }
                    Mailbox box = boxes.get(i.mailbox());
                    if (box == null) {
                        box = mailbox(c, accountId, i.mailbox()).orElse(null);
                        if (box == null) box = insertMailbox(c, accountId, i.mailbox(), null);
                        boxes.put(i.mailbox(), box);
                    }
                    takeUid.setLong(1, i.uid());
                    takeUid.setLong(2, i.uid());
                    takeUid.setLong(3, accountId);
                    takeUid.setLong(4, box.id());
                    long uid;
                    try (var rs = takeUid.executeQuery()) {
                        rs.next();
                        uid = rs.getLong(1);
                    }
                    insertMessage(c, insert, accountId, box.id(), uid, i.blobId(), i.parsed(), i.internalDate(), i.flags(), modseq, structures.get(n));
                    indexText(c, i.blobId(), texts.get(n));
                    if (i.key() != null) {
                        journal.setLong(1, accountId);
                        journal.setString(2, i.key().source());
                        journal.setString(3, i.key().folder());
                        journal.setLong(4, i.key().uidValidity());
                        journal.setString(5, i.key().item());
                        journal.setLong(6, box.id());
                        journal.setLong(7, uid);
                        journal.executeUpdate();
                    }
                    change.setLong(1, accountId);
                    change.setLong(2, modseq);
                    change.setLong(3, box.id());
                    change.setLong(4, uid);
                    change.setString(5, String.join(" ", i.flags()));
                    change.addBatch();
                    used += i.parsed().size();
                    touched.put(box.id(), modseq);
                    out.add(new Import.Filed(box.id(), uid, modseq));
                }
                change.executeBatch();
            }
            try (var st = c.prepareStatement("UPDATE mailboxes SET highest_modseq = ? WHERE account_id = ? AND id = ?")) {
                for (long mailboxId : touched.keySet()) {
                    st.setLong(1, modseq);
                    st.setLong(2, accountId);
                    st.setLong(3, mailboxId);
                    st.addBatch();
                }
                st.executeBatch();
            }
            return out;
        });
        touched.forEach((mailboxId, modseq) -> events.publish(new MailboxEvent(accountId, mailboxId, modseq)));
        return outcomes;
    }

    private static Import.AlreadyImported journaled(PreparedStatement st, long accountId, Import.Key key) throws SQLException {
        st.setLong(1, accountId);
        st.setString(2, key.source());
        st.setString(3, key.folder());
        st.setLong(4, key.uidValidity());
        st.setString(5, key.item());
        try (var rs = st.executeQuery()) {
            return rs.next() ? new Import.AlreadyImported(rs.getLong(1), rs.getLong(2)) : null;
        }
    }

    private static long quotaOf(Connection c, long accountId) throws SQLException {
        try (var st = c.prepareStatement("SELECT quota_bytes FROM accounts WHERE id = ?")) {
            st.setLong(1, accountId);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) throw new StorageException("no account " + accountId);
                return rs.getLong(1);
            }
        }
    }

    @Override
    public Set<String> importedItems(long accountId, String source, String folder, long uidValidity) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT item FROM import_journal WHERE account_id = ? AND source = ? AND folder = ? AND uid_validity = ?")) {
                st.setLong(1, accountId);
                st.setString(2, source);
                st.setString(3, folder);
                st.setLong(4, uidValidity);
                Set<String> out = new java.util.HashSet<>();
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
                return out;
            }
        });
    }

    private static final String INSERT_MESSAGE = """
            INSERT INTO messages (account_id, mailbox_id, uid, blob_id, size, internal_date, flags, modseq, structure, message_id, thread_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /** One index row, as delivery and import both file it, in the thread {@link Threading} finds for it. */
    private static void insertMessage(Connection c, PreparedStatement st, long accountId, long mailboxId, long uid, String blobId, ParsedMessage parsed,
                                      Instant internalDate, Set<String> flags, long modseq, String structure) throws SQLException {
        st.setLong(1, accountId);
        st.setLong(2, mailboxId);
        st.setLong(3, uid);
        st.setString(4, blobId);
        st.setLong(5, parsed.size());
        st.setLong(6, internalDate.toEpochMilli());
        st.setString(7, String.join(" ", flags));
        st.setLong(8, modseq);
        st.setString(9, structure);
        st.setString(10, Threading.messageId(parsed));
        st.setLong(11, Threading.threadFor(c, accountId, parsed, mailboxId, uid));
        st.executeUpdate();
    }

    /** Records a delivery key; false when the account already had it (the copy was filed before). */
    private static boolean firstTime(Connection c, long accountId, String key) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO delivery_keys (account_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            st.setLong(1, accountId);
            st.setString(2, key);
            st.setLong(3, System.currentTimeMillis());
            return st.executeUpdate() > 0;
        }
    }

    @Override
    public int forgetDeliveryKeys(Instant olderThan) {
        return db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM delivery_keys WHERE created_at < ?")) {
                st.setLong(1, olderThan.toEpochMilli());
                return st.executeUpdate();
            }
        });
    }

    private static long nextUid(Connection c, long accountId, long mailboxId) throws SQLException {
        try (var st = c.prepareStatement("UPDATE mailboxes SET uid_next = uid_next + 1 WHERE account_id = ? AND id = ? RETURNING uid_next - 1")) {
            st.setLong(1, accountId);
            st.setLong(2, mailboxId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static long nextModseq(Connection c, long accountId) throws SQLException {
        try (var st = c.prepareStatement("UPDATE accounts SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq")) {
            st.setLong(1, accountId);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) throw new StorageException("no account " + accountId);
                return rs.getLong(1);
            }
        }
    }

    static void logChange(Connection c, long accountId, long modseq, long mailboxId, Collection<Long> uids, Change.Kind kind) throws SQLException {
        logChange(c, accountId, modseq, mailboxId, uids, kind, null);
    }

    /**
     * Records the change of {@code uids} under {@code modseq}. An added or changed message's entry
     * carries its flags: {@code flags} (one space-separated text per UID, in order) where the caller
     * has them, else those of the row this transaction wrote.
     */
    static void logChange(Connection c, long accountId, long modseq, long mailboxId, Collection<Long> uids, Change.Kind kind,
                          List<String> flags) throws SQLException {
        try (var st = c.prepareStatement("UPDATE mailboxes SET highest_modseq = ? WHERE account_id = ? AND id = ?")) {
            st.setLong(1, modseq);
            st.setLong(2, accountId);
            st.setLong(3, mailboxId);
            st.executeUpdate();
        }
        boolean stored = kind != Change.Kind.EXPUNGED && flags == null;
        String sql = stored
                ? "INSERT INTO changes (account_id, modseq, mailbox_id, uid, kind, flags) SELECT ?, ?, ?, ?, ?, flags FROM messages WHERE account_id = ? AND mailbox_id = ? AND uid = ?"
                : "INSERT INTO changes (account_id, modseq, mailbox_id, uid, kind, flags) VALUES (?, ?, ?, ?, ?, ?)";
        try (var st = c.prepareStatement(sql)) {
            int n = 0;
            for (long uid : uids) {
                st.setLong(1, accountId);
                st.setLong(2, modseq);
                st.setLong(3, mailboxId);
                st.setLong(4, uid);
                st.setString(5, kind.name());
                if (stored) {
                    st.setLong(6, accountId);
                    st.setLong(7, mailboxId);
                    st.setLong(8, uid);
                } else {
                    st.setString(6, kind == Change.Kind.EXPUNGED ? null : flags.get(n));
                }
                n++;
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    private static final String SUMMARY = "SELECT uid, blob_id, size, internal_date, flags, modseq, thread_id FROM messages WHERE account_id = ? AND mailbox_id = ? ";

    /**
     * One row as a summary. A mailbox has few distinct flag texts, so one listing shares a set per
     * text through {@code flagSets} instead of parsing every row's.
     */
    private static MessageSummary summaryOf(ResultSet rs, Map<String, Set<String>> flagSets) throws SQLException {
        Set<String> flags = flagSets.computeIfAbsent(rs.getString(5), text -> Collections.unmodifiableSet(flagsOf(text)));
        return new MessageSummary(rs.getLong(1), rs.getString(2), rs.getLong(3), Instant.ofEpochMilli(rs.getLong(4)), flags, rs.getLong(6), rs.getLong(7));
    }

    @Override
    public List<Located> newestFirst(long accountId, long mailboxId, long offset, int limit) {
        return db.read(c -> {
            // The ORDER BY is the messages_by_arrival index read backwards, so only the page is read.
            try (var st = c.prepareStatement("""
                    SELECT mailbox_id, uid, internal_date, thread_id FROM messages WHERE account_id = ? AND mailbox_id = ?
                    ORDER BY internal_date DESC, uid DESC LIMIT ? OFFSET ?""")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                st.setInt(3, limit);
                st.setLong(4, offset);
                return located(st);
            }
        });
    }

    @Override
    public List<Located> thread(long accountId, long threadId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("""
                    SELECT mailbox_id, uid, internal_date, thread_id FROM messages WHERE account_id = ? AND thread_id = ?
                    ORDER BY internal_date, mailbox_id, uid""")) {
                st.setLong(1, accountId);
                st.setLong(2, threadId);
                return located(st);
            }
        });
    }

    private static List<Located> located(PreparedStatement st) throws SQLException {
        List<Located> out = new ArrayList<>();
        try (var rs = st.executeQuery()) {
            while (rs.next()) out.add(new Located(rs.getLong(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getLong(4)));
        }
        return out;
    }

    @Override
    public List<MessageSummary> messages(long accountId, long mailboxId) {
        return db.read(c -> {
            try (var st = c.prepareStatement(SUMMARY + "ORDER BY uid")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                List<MessageSummary> out = new ArrayList<>();
                Map<String, Set<String>> flagSets = new HashMap<>();
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(summaryOf(rs, flagSets));
                }
                return out;
            }
        });
    }

    @Override
    public Listing listing(long accountId, long mailboxId) {
        return db.read(c -> {
            long[] uids = new long[64], modseqs = new long[64];
            List<Set<String>> flags = new ArrayList<>();
            Map<String, Set<String>> flagSets = new HashMap<>(); // few distinct flag texts per mailbox
            int n = 0;
            long firstUnseen = 0;
            try (var st = c.prepareStatement("SELECT uid, flags, modseq FROM messages WHERE account_id = ? AND mailbox_id = ? ORDER BY uid")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        if (n == uids.length) {
                            uids = Arrays.copyOf(uids, n * 2);
                            modseqs = Arrays.copyOf(modseqs, n * 2);
                        }
                        uids[n] = rs.getLong(1);
                        Set<String> these = flagSets.computeIfAbsent(rs.getString(2), text -> Collections.unmodifiableSet(flagsOf(text)));
                        flags.add(these);
                        modseqs[n] = rs.getLong(3);
                        if (firstUnseen == 0 && !these.contains("\\Seen")) firstUnseen = uids[n];
                        n++;
                    }
                }
            }
            Set<String> inUse = new java.util.TreeSet<>();
            flagSets.values().forEach(inUse::addAll);
            return new Listing(Arrays.copyOf(uids, n), flags, Arrays.copyOf(modseqs, n), inUse, firstUnseen);
        });
    }

    @Override
    public List<MessageSummary> messages(long accountId, long mailboxId, Collection<Long> uids) {
        return db.read(c -> summaries(c, accountId, mailboxId, uids));
    }

    /**
     * One scan of the wanted UIDs' range, keeping those asked for, unless they are sparse in it;
     * then one look-up each. A look-up is a statement, and a read transaction, of its own, costing
     * about as much as stepping over a dozen rows: a FETCH of 30 messages done one by one was the
     * largest item of imaptest's profile.
     */
    private static List<MessageSummary> summaries(Connection c, long accountId, long mailboxId, Collection<Long> uids) throws SQLException {
        List<MessageSummary> out = new ArrayList<>();
        if (uids.isEmpty()) return out;
        Map<String, Set<String>> flagSets = new HashMap<>();
        long[] wanted = uids.stream().mapToLong(Long::longValue).sorted().toArray();
        long span = wanted[wanted.length - 1] - wanted[0] + 1;
        if (span <= 16L * wanted.length) {
            try (var st = c.prepareStatement(SUMMARY + "AND uid BETWEEN ? AND ? ORDER BY uid")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                st.setLong(3, wanted[0]);
                st.setLong(4, wanted[wanted.length - 1]);
                try (var rs = st.executeQuery()) {
                    // Rows and wanted UIDs both ascend, so one cursor walks along the rows.
                    int next = 0;
                    while (rs.next() && next < wanted.length) {
                        long uid = rs.getLong(1);
                        while (next < wanted.length && wanted[next] < uid) next++;
                        if (next < wanted.length && wanted[next] == uid) out.add(summaryOf(rs, flagSets));
                    }
                }
            }
            return out;
        }
        try (var st = c.prepareStatement(SUMMARY + "AND uid = ?")) {
            for (int i = 0; i < wanted.length; i++) {
                long uid = wanted[i];
                if (i > 0 && uid == wanted[i - 1]) continue;
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                st.setLong(3, uid);
                try (var rs = st.executeQuery()) {
                    if (rs.next()) out.add(summaryOf(rs, flagSets));
                }
            }
        }
        return out;
    }

    private static Set<String> flagsOf(String text) {
        if (text.isEmpty()) return Set.of();
        return new LinkedHashSet<>(Arrays.asList(text.split(" ")));
    }

    @Override
    public Optional<ParsedMessage> structure(long accountId, long mailboxId, long uid) {
        record Stored(String blobId, String json) {}
        Stored stored = db.read(c -> {
            try (var st = c.prepareStatement("SELECT blob_id, structure FROM messages WHERE account_id = ? AND mailbox_id = ? AND uid = ?")) {
                st.setLong(1, accountId);
                st.setLong(2, mailboxId);
                st.setLong(3, uid);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? new Stored(rs.getString(1), rs.getString(2)) : null;
                }
            }
        });
        if (stored == null) return Optional.empty();
        ParsedMessage known = parsedStructures.get(stored.blobId());
        if (known != null) return Optional.of(known);
        try {
            ParsedMessage parsed = JSON.readValue(stored.json(), ParsedMessage.class);
            if (parsedStructures.size() >= PARSED_STRUCTURES) parsedStructures.clear(); // crude, but a working set rebuilds at once
            parsedStructures.put(stored.blobId(), parsed);
            return Optional.of(parsed);
        } catch (JsonProcessingException e) {
            throw new StorageException("unreadable structure of uid " + uid, e);
        }
    }

    @Override
    public Optional<ParsedMessage> structure(long accountId, long mailboxId, MessageSummary message) {
        ParsedMessage known = parsedStructures.get(message.blobId());
        return known != null ? Optional.of(known) : structure(accountId, mailboxId, message.uid());
    }

    /**
     * Stored structures already turned back into objects, by blob id: a client FETCHes the same
     * messages' ENVELOPE, BODYSTRUCTURE and parts again and again, and reading the JSON, and then the
     * row, was the largest part of such a FETCH (bench/compare-notes.md). A structure is the parse of
     * the bytes the blob id names, so an entry can never be stale; the records are immutable, so
     * sessions share them.
     */
    private final Map<String, ParsedMessage> parsedStructures = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int PARSED_STRUCTURES = 8192;

    @Override
    public long updateFlags(long accountId, long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags) {
        return changeFlags(accountId, mailboxId, uids, change, flags, Long.MAX_VALUE, new ArrayList<>());
    }

    @Override
    public List<Long> updateFlagsUnchangedSince(long accountId, long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags, long unchangedSince) {
        List<Long> modified = new ArrayList<>();
        changeFlags(accountId, mailboxId, uids, change, flags, unchangedSince, modified);
        return modified;
    }

    /** One transaction: read each message's flags and MODSEQ, skip those changed since the limit, write the rest with one new MODSEQ. */
    private long changeFlags(long accountId, long mailboxId, Collection<Long> uids, FlagChange change, Set<String> flags,
                             long unchangedSince, List<Long> modified) {
        long modseq = db.write(Database.WriteKind.METADATA, c -> {
            modified.clear();
            List<Long> touched = new ArrayList<>();
            List<String> newFlags = new ArrayList<>();
            for (MessageSummary m : summaries(c, accountId, mailboxId, uids)) {
                if (m.modseq() > unchangedSince) {
                    modified.add(m.uid());
                    continue;
                }
                Set<String> after = new LinkedHashSet<>(change == FlagChange.REPLACE ? Set.of() : m.flags());
                if (change == FlagChange.REMOVE) after.removeAll(flags);
                else after.addAll(flags);
                if (!after.equals(m.flags())) {
                    touched.add(m.uid());
                    newFlags.add(String.join(" ", after));
                }
            }
            if (touched.isEmpty()) return 0L;
            long next = nextModseq(c, accountId);
            try (var st = c.prepareStatement("UPDATE messages SET flags = ?, modseq = ? WHERE account_id = ? AND mailbox_id = ? AND uid = ?")) {
                for (int i = 0; i < touched.size(); i++) {
                    st.setString(1, newFlags.get(i));
                    st.setLong(2, next);
                    st.setLong(3, accountId);
                    st.setLong(4, mailboxId);
                    st.setLong(5, touched.get(i));
                    st.addBatch();
                }
                st.executeBatch();
            }
            logChange(c, accountId, next, mailboxId, touched, Change.Kind.FLAGS, newFlags);
            return next;
        });
        if (modseq > 0) events.publish(new MailboxEvent(accountId, mailboxId, modseq));
        return modseq;
    }

    @Override
    public long expunge(long accountId, long mailboxId, Collection<Long> uids) {
        return expunge(accountId, mailboxId, uids, false);
    }

    @Override
    public long expungeDeleted(long accountId, long mailboxId, Collection<Long> uids) {
        return expunge(accountId, mailboxId, uids, true);
    }

    private long expunge(long accountId, long mailboxId, Collection<Long> uids, boolean onlyDeleted) {
        // Clients EXPUNGE (and CLOSE) often with nothing \Deleted: that needs no write, and no place in
        // the writer's next group, which an empty unit of mail would make an fsynced one.
        if (uids.isEmpty()) return 0;
        long modseq = db.write(c -> {
            List<Long> removed = new ArrayList<>();
            List<String> unreferenced = new ArrayList<>();
            // (Flags are stored as one space-separated text; the escape character keeps LIKE from reading the backslash.)
            String deleted = onlyDeleted ? " AND ' ' || flags || ' ' LIKE '% \\Deleted %' ESCAPE '^'" : "";
            try (var st = c.prepareStatement("DELETE FROM messages WHERE account_id = ? AND mailbox_id = ? AND uid = ?" + deleted + " RETURNING blob_id")) {
                for (long uid : uids) {
                    st.setLong(1, accountId);
                    st.setLong(2, mailboxId);
                    st.setLong(3, uid);
                    try (var rs = st.executeQuery()) {
                        if (rs.next()) {
                            removed.add(uid);
                            unreferenced.add(rs.getString(1));
                        }
                    }
                }
            }
            recordOrphans(c, unreferenced);
            if (removed.isEmpty()) return 0L;
            forgetSeenByReaders(c, accountId, mailboxId, removed);
            long next = nextModseq(c, accountId);
            logChange(c, accountId, next, mailboxId, removed, Change.Kind.EXPUNGED);
            return next;
        });
        if (modseq > 0) events.publish(new MailboxEvent(accountId, mailboxId, modseq));
        return modseq;
    }

    @Override
    public List<Change> changesSince(long accountId, long modseq) {
        return changes(accountId, null, modseq);
    }

    @Override
    public List<Change> changesSince(long accountId, long mailboxId, long modseq) {
        return changes(accountId, mailboxId, modseq);
    }

    /** The account's log after {@code modseq} (a range of its primary key), for one mailbox or all. */
    private List<Change> changes(long accountId, Long mailboxId, long modseq) {
        return db.read(c -> {
            String sql = "SELECT modseq, mailbox_id, uid, kind, flags FROM changes WHERE account_id = ? AND modseq > ?"
                    + (mailboxId == null ? "" : " AND mailbox_id = ?") + " ORDER BY modseq, mailbox_id, uid";
            try (var st = c.prepareStatement(sql)) {
                st.setLong(1, accountId);
                st.setLong(2, modseq);
                if (mailboxId != null) st.setLong(3, mailboxId);
                List<Change> out = new ArrayList<>();
                Map<String, Set<String>> flagSets = new HashMap<>(); // few distinct flag texts, as in a listing
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        String flags = rs.getString(5);
                        out.add(new Change(rs.getLong(1), rs.getLong(2), rs.getLong(3), Change.Kind.valueOf(rs.getString(4)),
                                flags == null ? Set.of() : flagSets.computeIfAbsent(flags, text -> Collections.unmodifiableSet(flagsOf(text)))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public long accountSize(long accountId) {
        return db.read(c -> accountSize(c, accountId));
    }

    private static long accountSize(Connection c, long accountId) throws SQLException {
        try (var st = c.prepareStatement("SELECT COALESCE(SUM(size), 0) FROM messages WHERE account_id = ?")) {
            st.setLong(1, accountId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public long highestModseq(long accountId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT highest_modseq FROM accounts WHERE id = ?")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    /**
     * Every table keyed by account, which deleting an account empties of its rows (account_routes
     * goes with the accounts row, by its foreign key). StorageContract compares this with the
     * database's own catalog, so a new table keyed by account cannot be forgotten here.
     */
    public static final List<String> ACCOUNT_TABLES = List.of("messages", "changes", "mailboxes", "subscriptions", "delivery_keys",
            "import_journal", "sieve_scripts", "sieve_responses", "identities", "identity_counters", "mailbox_acl", "shared_seen_mailboxes", "seen_by_reader",
            "share_notifications");

    @Override
    public void deleteAccountData(long accountId) {
        db.write(c -> {
            List<String> blobIds = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT DISTINCT blob_id FROM messages WHERE account_id = ?")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) blobIds.add(rs.getString(1));
                }
            }
            for (String table : ACCOUNT_TABLES) {
                try (PreparedStatement st = c.prepareStatement("DELETE FROM " + table + " WHERE account_id = ?")) {
                    st.setLong(1, accountId);
                    st.executeUpdate();
                }
            }
            recordOrphans(c, blobIds);
            return null;
        });
    }

    private static void recordOrphans(Connection c, List<String> blobIds) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO blob_orphans (blob_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            for (String id : blobIds) {
                st.setString(1, id);
                st.setLong(2, System.currentTimeMillis());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    @Override
    public int collectBlobs(Instant orphanedBefore) {
        return db.write(c -> {
            List<String> candidates = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT blob_id FROM blob_orphans WHERE since < ?")) {
                st.setLong(1, orphanedBefore.toEpochMilli());
                try (var rs = st.executeQuery()) {
                    while (rs.next()) candidates.add(rs.getString(1));
                }
            }
            int deleted = 0;
            try (var referenced = c.prepareStatement("SELECT 1 FROM messages WHERE blob_id = ? UNION ALL SELECT 1 FROM queue WHERE blob_id = ? LIMIT 1");
                 var forget = c.prepareStatement("DELETE FROM blob_orphans WHERE blob_id = ?")) {
                for (String id : candidates) {
                    referenced.setString(1, id);
                    referenced.setString(2, id);
                    boolean inUse;
                    try (var rs = referenced.executeQuery()) {
                        inUse = rs.next();
                    }
                    if (!inUse) {
                        forgetText(c, id);
                        try {
                            blobs.delete(id);
                            deleted++;
                        } catch (java.io.IOException e) {
                            throw new StorageException("cannot delete blob " + id, e);
                        }
                    }
                    forget.setString(1, id);
                    forget.executeUpdate();
                }
            }
            return deleted;
        });
    }

    // --- The full-text index (issue 16): updated in the transaction that files a message ---

    /**
     * The index's text of a stored message, read and decoded before the write transaction so the
     * writer never waits for it; null when the bytes cannot be read now (the blob then goes to the
     * backlog, and searches check it until it is caught up).
     */
    private MessageText.Indexed textOf(String blobId, ParsedMessage parsed) {
        try {
            return MessageText.indexed(blobs.read(blobId), parsed);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private void indexText(Connection c, String blobId, MessageText.Indexed text) throws SQLException {
        if (text == null) {
            try (var st = c.prepareStatement("INSERT INTO text_backlog (blob_id) VALUES (?) ON CONFLICT DO NOTHING")) {
                st.setString(1, blobId);
                st.executeUpdate();
            }
            return;
        }
        addText(c, blobId, text);
        try (var st = c.prepareStatement("DELETE FROM text_backlog WHERE blob_id = ?")) {
            st.setString(1, blobId);
            st.executeUpdate();
        }
    }

    private void addText(Connection c, String blobId, MessageText.Indexed text) throws SQLException {
        textIndex.add(c, blobId, text);
        if (text.complete()) return;
        try (var st = c.prepareStatement("INSERT INTO text_partial (blob_id) VALUES (?) ON CONFLICT DO NOTHING")) {
            st.setString(1, blobId);
            st.executeUpdate();
        }
    }

    private void forgetText(Connection c, String blobId) throws SQLException {
        textIndex.remove(c, blobId);
        for (String table : List.of("text_partial", "text_backlog")) {
            try (var st = c.prepareStatement("DELETE FROM " + table + " WHERE blob_id = ?")) {
                st.setString(1, blobId);
                st.executeUpdate();
            }
        }
    }

    @Override
    public Optional<TextMatches> textMatches(long accountId, long mailboxId, TextField field, String text) {
        String needle = MessageText.fold(text);
        if (!MessageText.indexable(needle)) return Optional.empty();
        // An address field holds its addresses and its value on two lines; a needle spanning them is not looked up.
        boolean address = field == TextField.FROM || field == TextField.TO || field == TextField.CC || field == TextField.BCC;
        if (address && needle.indexOf('\n') >= 0) return Optional.empty();
        return db.read(c -> {
            // Unsure first: a message only ever moves from unsure (the backlog) to indexed, so one caught
            // up between the two queries is still checked, never missed.
            Set<Long> unsure = unsureText(c, accountId, mailboxId);
            Set<Long> matching = textIndex.matching(c, accountId, mailboxId, field, needle);
            if (matching == null) return Optional.empty();
            unsure.removeAll(matching);
            return Optional.of(new TextMatches(matching, unsure));
        });
    }

    /**
     * The mailbox's messages whose text is not in the index yet, or only in part. Both lists are
     * short once the backlog is caught up, so they lead and each entry finds its messages by blob:
     * CROSS JOIN fixes that order in SQLite, and the unary plus keeps the planner from walking the
     * mailbox by its key instead (100 ms on 100,000 messages even with an empty backlog).
     */
    private static Set<Long> unsureText(Connection c, long accountId, long mailboxId) throws SQLException {
        Set<Long> uids = new java.util.HashSet<>();
        try (var st = c.prepareStatement("""
                SELECT m.uid FROM text_backlog k CROSS JOIN messages m WHERE m.blob_id = k.blob_id AND +m.account_id = ? AND +m.mailbox_id = ?
                UNION ALL
                SELECT m.uid FROM text_partial p CROSS JOIN messages m WHERE m.blob_id = p.blob_id AND +m.account_id = ? AND +m.mailbox_id = ?""")) {
            st.setLong(1, accountId);
            st.setLong(2, mailboxId);
            st.setLong(3, accountId);
            st.setLong(4, mailboxId);
            try (var rs = st.executeQuery()) {
                while (rs.next()) uids.add(rs.getLong(1));
            }
        }
        return uids;
    }

    @Override
    public int indexTextBacklog(int max) {
        record Item(String blobId, String structure) {}
        List<Item> items = db.read(c -> {
            List<Item> out = new ArrayList<>();
            try (var st = c.prepareStatement("""
                    SELECT k.blob_id, (SELECT m.structure FROM messages m WHERE m.blob_id = k.blob_id LIMIT 1)
                    FROM text_backlog k LIMIT ?""")) {
                st.setInt(1, max);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(new Item(rs.getString(1), rs.getString(2)));
                }
            }
            return out;
        });
        if (items.isEmpty()) return 0;
        Map<String, MessageText.Indexed> texts = new HashMap<>();
        for (Item item : items) {
            if (item.structure() == null) continue; // no message uses the blob any more: nothing to index
            MessageText.Indexed text;
            try {
                text = MessageText.indexed(blobs.read(item.blobId()), JSON.readValue(item.structure(), ParsedMessage.class));
            } catch (java.io.IOException | RuntimeException e) {
                // Unreadable now: an empty, incomplete entry, so searches keep checking the message itself (as they would fail to).
                text = new MessageText.Indexed("", "", "", "", "", "", "", false);
            }
            texts.put(item.blobId(), text);
        }
        db.write(c -> {
            for (Item item : items) {
                if (texts.containsKey(item.blobId())) addText(c, item.blobId(), texts.get(item.blobId()));
                try (var st = c.prepareStatement("DELETE FROM text_backlog WHERE blob_id = ?")) {
                    st.setString(1, item.blobId());
                    st.executeUpdate();
                }
            }
            return null;
        });
        return items.size();
    }

    private static String toJson(ParsedMessage parsed) {
        try {
            return JSON.writeValueAsString(parsed);
        } catch (JsonProcessingException e) {
            throw new StorageException("cannot encode structure", e);
        }
    }

}
