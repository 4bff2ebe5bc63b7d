package mailroom.storage.sql;

import mailroom.storage.Directory;
import mailroom.storage.SieveScripts;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link SieveScripts} in SQL, the same statements on SQLite and PostgreSQL. */
public final class SqlSieveScripts implements SieveScripts {
    private final Database db;

    public SqlSieveScripts(Database db) {
        this.db = db;
    }

    @Override
    public List<Info> list(long accountId) {
        return db.read(c -> {
            List<Info> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT name, active, source FROM sieve_scripts WHERE account_id = ? ORDER BY name")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(new Info(rs.getString(1), rs.getInt(2) != 0, rs.getString(3).getBytes(StandardCharsets.UTF_8).length));
                }
            }
            return out;
        });
    }

    @Override
    public Optional<String> source(long accountId, String name) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT source FROM sieve_scripts WHERE account_id = ? AND name = ?")) {
                st.setLong(1, accountId);
                st.setString(2, name);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void put(long accountId, String name, String source) {
        db.write(c -> {
            try (var update = c.prepareStatement("UPDATE sieve_scripts SET source = ?, updated_at = ? WHERE account_id = ? AND name = ?")) {
                update.setString(1, source);
                update.setLong(2, System.currentTimeMillis());
                update.setLong(3, accountId);
                update.setString(4, name);
                if (update.executeUpdate() > 0) return null;
            }
            try (var insert = c.prepareStatement("INSERT INTO sieve_scripts (account_id, name, source, active, updated_at) VALUES (?, ?, ?, 0, ?)")) {
                insert.setLong(1, accountId);
                insert.setString(2, name);
                insert.setString(3, source);
                insert.setLong(4, System.currentTimeMillis());
                insert.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean delete(long accountId, String name) {
        return update("DELETE FROM sieve_scripts WHERE account_id = ? AND name = ?", accountId, name) > 0;
    }

    @Override
    public boolean rename(long accountId, String from, String to) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE sieve_scripts SET name = ? WHERE account_id = ? AND name = ?")) {
                st.setString(1, to);
                st.setLong(2, accountId);
                st.setString(3, from);
                return st.executeUpdate() > 0;
            } catch (SQLException e) {
                if (Database.isDuplicate(e)) throw new Directory.AlreadyExists("script " + to);
                throw e;
            }
        });
    }

    @Override
    public boolean activate(long accountId, String name) {
        return db.write(c -> {
            if (name != null) {
                try (var st = c.prepareStatement("SELECT 1 FROM sieve_scripts WHERE account_id = ? AND name = ?")) {
                    st.setLong(1, accountId);
                    st.setString(2, name);
                    try (var rs = st.executeQuery()) {
                        if (!rs.next()) return false;
                    }
                }
            }
            // One statement flips every row, so no moment sees two active scripts or a half-done switch.
            try (var st = c.prepareStatement("UPDATE sieve_scripts SET active = CASE WHEN name = ? THEN 1 ELSE 0 END WHERE account_id = ?")) {
                st.setString(1, name);
                st.setLong(2, accountId);
                st.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public Optional<Active> active(long accountId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT name, source FROM sieve_scripts WHERE account_id = ? AND active = 1")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(new Active(rs.getString(1), rs.getString(2))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean claimResponse(long accountId, String handle, String recipient, Instant now, Duration period) {
        return db.write(c -> {
            // Either an old record is moved forward, or a first one is made; a concurrent claimer on
            // another node finds the row locked or already present and gets false.
            try (var st = c.prepareStatement("UPDATE sieve_responses SET sent_at = ? WHERE account_id = ? AND handle = ? AND recipient = ? AND sent_at <= ?")) {
                st.setLong(1, now.toEpochMilli());
                st.setLong(2, accountId);
                st.setString(3, handle);
                st.setString(4, recipient);
                st.setLong(5, now.minus(period).toEpochMilli());
                if (st.executeUpdate() > 0) return true;
            }
            try (var st = c.prepareStatement("INSERT INTO sieve_responses (account_id, handle, recipient, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                st.setLong(1, accountId);
                st.setString(2, handle);
                st.setString(3, recipient);
                st.setLong(4, now.toEpochMilli());
                return st.executeUpdate() > 0;
            }
        });
    }

    /** Redirects are counted as responses under a handle no script can give (handles have no leading blank). */
    private static final String REDIRECT_HANDLE = " redirect";

    @Override
    public boolean claimRedirect(long accountId, Instant now, int perDay) {
        long dayAgo = now.minus(Duration.ofDays(1)).toEpochMilli();
        return db.write(c -> {
            try (var prune = c.prepareStatement("DELETE FROM sieve_responses WHERE account_id = ? AND handle = ? AND sent_at <= ?")) {
                prune.setLong(1, accountId);
                prune.setString(2, REDIRECT_HANDLE);
                prune.setLong(3, dayAgo);
                prune.executeUpdate();
            }
            try (var count = c.prepareStatement("SELECT COUNT(*) FROM sieve_responses WHERE account_id = ? AND handle = ?")) {
                count.setLong(1, accountId);
                count.setString(2, REDIRECT_HANDLE);
                try (var rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= perDay) return false;
                }
            }
            try (var insert = c.prepareStatement("INSERT INTO sieve_responses (account_id, handle, recipient, sent_at) VALUES (?, ?, ?, ?)")) {
                insert.setLong(1, accountId);
                insert.setString(2, REDIRECT_HANDLE);
                insert.setString(3, java.util.UUID.randomUUID().toString());
                insert.setLong(4, now.toEpochMilli());
                insert.executeUpdate();
            }
            return true;
        });
    }

    private int update(String sql, long accountId, String name) {
        return db.write(c -> {
            try (var st = c.prepareStatement(sql)) {
                st.setLong(1, accountId);
                st.setString(2, name);
                return st.executeUpdate();
            }
        });
    }
}
