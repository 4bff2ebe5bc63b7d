package mailroom.storage.sqlite;

import mailroom.storage.Queue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link Queue} in SQLite. Leases are rows' owner and expiry; one node's writer thread serialises claims. */
final class SqliteQueue implements Queue {
    private final SqliteDatabase db;

    SqliteQueue(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public long enqueue(String sender, List<String> recipients, String blobId, Instant now) {
        return db.write(c -> {
            long id;
            try (var st = c.prepareStatement("INSERT INTO queue (sender, blob_id, created_at) VALUES (?, ?, ?) RETURNING id")) {
                st.setString(1, sender);
                st.setString(2, blobId);
                st.setLong(3, now.toEpochMilli());
                try (var rs = st.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (var st = c.prepareStatement("INSERT INTO queue_recipients (queue_id, recipient, next_attempt) VALUES (?, ?, ?)")) {
                for (String r : recipients) {
                    st.setLong(1, id);
                    st.setString(2, r);
                    st.setLong(3, now.toEpochMilli());
                    st.addBatch();
                }
                st.executeBatch();
            }
            return id;
        });
    }

    @Override
    public List<Entry> claim(String owner, Instant now, Duration lease, int limit) {
        List<Long> ids = db.write(c -> {
            List<Long> claimed = new ArrayList<>();
            try (var st = c.prepareStatement("""
                    SELECT q.id FROM queue q WHERE q.lease_until <= ?1
                    AND EXISTS (SELECT 1 FROM queue_recipients r WHERE r.queue_id = q.id AND r.state = 'PENDING' AND r.next_attempt <= ?1)
                    ORDER BY q.id LIMIT ?2""")) {
                st.setLong(1, now.toEpochMilli());
                st.setInt(2, limit);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) claimed.add(rs.getLong(1));
                }
            }
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

    @Override
    public void delivered(long id, String recipient) {
        updateRecipient(id, recipient, "DELIVERED", null, null);
    }

    @Override
    public void deferred(long id, String recipient, String error, Instant nextAttempt) {
        updateRecipient(id, recipient, "PENDING", error, nextAttempt);
    }

    @Override
    public void failed(long id, String recipient, String error) {
        updateRecipient(id, recipient, "FAILED", error, null);
    }

    private void updateRecipient(long id, String recipient, String state, String error, Instant nextAttempt) {
        db.write(c -> {
            try (var st = c.prepareStatement("""
                    UPDATE queue_recipients SET state = ?, attempts = attempts + 1, last_error = ?,
                    next_attempt = COALESCE(?, next_attempt) WHERE queue_id = ? AND recipient = ?""")) {
                st.setString(1, state);
                st.setString(2, error);
                if (nextAttempt == null) st.setNull(3, java.sql.Types.INTEGER);
                else st.setLong(3, nextAttempt.toEpochMilli());
                st.setLong(4, id);
                st.setString(5, recipient);
                return st.executeUpdate();
            }
        });
    }

    @Override
    public void release(long id, String owner) {
        db.write(c -> {
            try (var st = c.prepareStatement("UPDATE queue SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?")) {
                st.setLong(1, id);
                st.setString(2, owner);
                st.executeUpdate();
            }
            try (var st = c.prepareStatement("DELETE FROM queue WHERE id = ? AND NOT EXISTS (SELECT 1 FROM queue_recipients WHERE queue_id = ? AND state = 'PENDING')")) {
                st.setLong(1, id);
                st.setLong(2, id);
                return st.executeUpdate();
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
        String sender, blob;
        Instant created;
        try (var st = c.prepareStatement("SELECT sender, blob_id, created_at FROM queue WHERE id = ?")) {
            st.setLong(1, id);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                sender = rs.getString(1);
                blob = rs.getString(2);
                created = Instant.ofEpochMilli(rs.getLong(3));
            }
        }
        List<Recipient> recipients = new ArrayList<>();
        try (var st = c.prepareStatement("SELECT recipient, state, attempts, next_attempt, last_error FROM queue_recipients WHERE queue_id = ? ORDER BY recipient")) {
            st.setLong(1, id);
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    recipients.add(new Recipient(rs.getString(1), State.valueOf(rs.getString(2)), rs.getInt(3),
                            Instant.ofEpochMilli(rs.getLong(4)), rs.getString(5)));
                }
            }
        }
        return Optional.of(new Entry(id, sender, blob, created, recipients));
    }

    @Override
    public boolean delete(long id) {
        return db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM queue WHERE id = ?")) {
                st.setLong(1, id);
                return st.executeUpdate() > 0;
            }
        });
    }
}
