package mailroom.storage.sql;

import mailroom.storage.Queue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@link Queue} in SQL. Leases are the entry's owner and expiry; claims lock what they take (see {@link Database#skipLocked}). */
public final class SqlQueue implements Queue {
    private final Database db;

    public SqlQueue(Database db) {
        this.db = db;
    }

    @Override
    public long enqueue(Envelope envelope, String blobId, Instant now) {
        return db.write(c -> {
            long id;
            try (var st = c.prepareStatement("INSERT INTO queue (sender, blob_id, created_at, token, envid, ret) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")) {
                st.setString(1, envelope.sender());
                st.setString(2, blobId);
                st.setLong(3, now.toEpochMilli());
                st.setString(4, UUID.randomUUID().toString());
                st.setString(5, envelope.envid());
                st.setString(6, envelope.ret());
                try (var rs = st.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (var st = c.prepareStatement("INSERT INTO queue_recipients (queue_id, recipient, next_attempt, notify, orcpt, position) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                int position = 0;
                for (Rcpt r : envelope.recipients()) {
                    st.setLong(1, id);
                    st.setString(2, r.address());
                    st.setLong(3, now.toEpochMilli());
                    st.setString(4, r.notifyOn());
                    st.setString(5, r.orcpt());
                    st.setInt(6, position++);
                    st.addBatch();
                }
                st.executeBatch();
            }
            return id;
        });
    }

    private static final String DUE = """
            SELECT q.id FROM queue q WHERE q.lease_until <= ?
            AND EXISTS (SELECT 1 FROM queue_recipients r WHERE r.queue_id = q.id AND r.state = 'PENDING' AND r.next_attempt <= ?)
            ORDER BY q.id LIMIT ?""";

    @Override
    public List<Entry> claim(String owner, Instant now, Duration lease, int limit) {
        // A read first: an idle queue is polled often and should not queue up behind the writer.
        if (db.read(c -> dueIds(c, now, 1, "")).isEmpty()) return List.of();
        List<Long> ids = db.write(c -> {
            List<Long> claimed = dueIds(c, now, limit, db.skipLocked());
            try (var st = c.prepareStatement("UPDATE queue SET lease_owner = ?, lease_until = ? WHERE id = ?")) {
                for (long id : claimed) {
                    st.setString(1, owner);
                    st.setLong(2, now.plus(lease).toEpochMilli());
                    st.setLong(3, id);
                    st.addBatch();
                }
                st.executeBatch();
            }
            return claimed;
        });
        return db.read(c -> {
            List<Entry> out = new ArrayList<>();
            for (long id : ids) load(c, id).ifPresent(out::add);
            return out;
        });
    }

    private static List<Long> dueIds(Connection c, Instant now, int limit, String lock) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (var st = c.prepareStatement(DUE + lock)) {
            st.setLong(1, now.toEpochMilli());
            st.setLong(2, now.toEpochMilli());
            st.setInt(3, limit);
            try (var rs = st.executeQuery()) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    @Override
    public void finish(long id, String owner, List<Outcome> outcomes) {
        db.write(c -> {
            try (var st = c.prepareStatement("""
                    UPDATE queue_recipients SET state = ?, attempts = attempts + 1, last_error = ?,
                    next_attempt = COALESCE(?, next_attempt) WHERE queue_id = ? AND recipient = ?""")) {
                for (Outcome outcome : outcomes) {
                    switch (outcome) {
                        case Delivered d -> {
                            st.setString(1, "DELIVERED");
                            st.setString(2, null);
                            st.setNull(3, Types.INTEGER);
                        }
                        case Deferred d -> {
                            st.setString(1, "PENDING");
                            st.setString(2, d.error());
                            st.setLong(3, d.nextAttempt().toEpochMilli());
                        }
                        case Failed f -> {
                            st.setString(1, "FAILED");
                            st.setString(2, f.error());
                            st.setNull(3, Types.INTEGER);
                        }
                    }
                    st.setLong(4, id);
                    st.setString(5, outcome.recipient());
                    st.addBatch();
                }
                st.executeBatch();
            }
            try (var st = c.prepareStatement("UPDATE queue SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?")) {
                st.setLong(1, id);
                st.setString(2, owner);
                st.executeUpdate();
            }
            try (var st = c.prepareStatement("SELECT 1 FROM queue_recipients WHERE queue_id = ? AND state = 'PENDING' LIMIT 1")) {
                st.setLong(1, id);
                try (var rs = st.executeQuery()) {
                    if (rs.next()) return 0;
                }
            }
            return remove(c, id) ? 1 : 0;
        });
    }

    @Override
    public int releaseAll(String owner) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE queue SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?")) {
                st.setString(1, owner);
                return st.executeUpdate();
            }
        });
    }

    @Override
    public boolean retryNow(long id, Instant now) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE queue_recipients SET next_attempt = ? WHERE queue_id = ? AND state = 'PENDING'")) {
                st.setLong(1, now.toEpochMilli());
                st.setLong(2, id);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public Optional<Entry> entry(long id) {
        return db.read(c -> load(c, id));
    }

    @Override
    public List<Entry> list() {
        return db.read(c -> {
            List<Long> ids = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT id FROM queue ORDER BY id"); var rs = st.executeQuery()) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
            List<Entry> out = new ArrayList<>();
            for (long id : ids) load(c, id).ifPresent(out::add);
            return out;
        });
    }

    private static Optional<Entry> load(Connection c, long id) throws SQLException {
        List<Recipient> recipients = new ArrayList<>();
        try (var st = c.prepareStatement("""
                SELECT recipient, notify, orcpt, state, attempts, next_attempt, last_error
                FROM queue_recipients WHERE queue_id = ? ORDER BY position""")) {
            st.setLong(1, id);
            try (var rs = st.executeQuery()) {
                while (rs.next()) recipients.add(recipientOf(rs));
            }
        }
        try (var st = c.prepareStatement("SELECT sender, blob_id, created_at, token, envid, ret FROM queue WHERE id = ?")) {
            st.setLong(1, id);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                var envelope = new Envelope(rs.getString(1), recipients.stream().map(Recipient::rcpt).toList(), rs.getString(5), rs.getString(6));
                return Optional.of(new Entry(id, rs.getString(4), envelope, rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)), recipients));
            }
        }
    }

    private static Recipient recipientOf(ResultSet rs) throws SQLException {
        return new Recipient(new Rcpt(rs.getString(1), rs.getString(2), rs.getString(3)), State.valueOf(rs.getString(4)),
                rs.getInt(5), Instant.ofEpochMilli(rs.getLong(6)), rs.getString(7));
    }

    @Override
    public boolean delete(long id) {
        return db.write(c -> remove(c, id));
    }

    @Override
    public boolean cancel(long id, Instant now) {
        return db.write(c -> {
            // One DELETE whose condition is the claim's own (lease_until <= now), so a claim and a
            // cancel of the same entry cannot both succeed.
            String blobId;
            try (var st = c.prepareStatement("""
                    DELETE FROM queue WHERE id = ? AND lease_until <= ?
                    AND NOT EXISTS (SELECT 1 FROM queue_recipients WHERE queue_id = ? AND (attempts > 0 OR state <> 'PENDING'))
                    RETURNING blob_id""")) {
                st.setLong(1, id);
                st.setLong(2, now.toEpochMilli());
                st.setLong(3, id);
                try (var rs = st.executeQuery()) {
                    if (!rs.next()) return false;
                    blobId = rs.getString(1);
                }
            }
            try (var st = c.prepareStatement("INSERT INTO blob_orphans (blob_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                st.setString(1, blobId);
                st.setLong(2, System.currentTimeMillis());
                st.executeUpdate();
            }
            return true;
        });
    }

    /** Deletes the entry; its blob becomes a candidate for the collector (messages may still use it). */
    private static boolean remove(Connection c, long id) throws SQLException {
        try (var st = c.prepareStatement("""
                INSERT INTO blob_orphans (blob_id, since) SELECT blob_id, ? FROM queue WHERE id = ?
                ON CONFLICT DO NOTHING""")) {
            st.setLong(1, System.currentTimeMillis());
            st.setLong(2, id);
            st.executeUpdate();
        }
        try (var st = c.prepareStatement("DELETE FROM queue WHERE id = ?")) {
            st.setLong(1, id);
            return st.executeUpdate() > 0;
        }
    }
}
