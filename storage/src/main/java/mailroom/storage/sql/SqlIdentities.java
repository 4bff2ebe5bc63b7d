package mailroom.storage.sql;

import mailroom.storage.Identities;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link Identities} in SQL, the same statements on SQLite and PostgreSQL. */
public final class SqlIdentities implements Identities {
    private static final String COLUMNS = "id, name, email, reply_to, bcc, text_signature, html_signature";

    private final Database db;

    public SqlIdentities(Database db) {
        this.db = db;
    }

    @Override
    public List<Identity> list(long accountId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT " + COLUMNS + " FROM identities WHERE account_id = ? ORDER BY id")) {
                st.setLong(1, accountId);
                return rows(st);
            }
        });
    }

    @Override
    public Optional<Identity> get(long accountId, long id) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT " + COLUMNS + " FROM identities WHERE account_id = ? AND id = ?")) {
                st.setLong(1, accountId);
                st.setLong(2, id);
                return rows(st).stream().findFirst();
            }
        });
    }

    private static List<Identity> rows(PreparedStatement st) throws SQLException {
        List<Identity> out = new ArrayList<>();
        try (var rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new Identity(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
            }
        }
        return out;
    }

    @Override
    public Identity create(long accountId, Identity identity) {
        return db.write(c -> {
            long id = bump(c, accountId, true);
            Identity stored = new Identity(id, identity.name(), identity.email(), identity.replyTo(), identity.bcc(), identity.textSignature(), identity.htmlSignature());
            insert(c, accountId, stored);
            return stored;
        });
    }

    @Override
    public boolean update(long accountId, Identity identity) {
        return db.write(c -> {
            try (var st = c.prepareStatement("""
                    UPDATE identities SET name = ?, email = ?, reply_to = ?, bcc = ?, text_signature = ?, html_signature = ?
                    WHERE account_id = ? AND id = ?""")) {
                st.setString(1, identity.name());
                st.setString(2, identity.email());
                st.setString(3, identity.replyTo());
                st.setString(4, identity.bcc());
                st.setString(5, identity.textSignature());
                st.setString(6, identity.htmlSignature());
                st.setLong(7, accountId);
                st.setLong(8, identity.id());
                if (st.executeUpdate() == 0) {
                    if (identity.id() != 0) return false;
                    insert(c, accountId, identity); // the account's own identity, changed for the first time
                }
            }
            bump(c, accountId, false);
            return true;
        });
    }

    @Override
    public boolean delete(long accountId, long id) {
        return db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM identities WHERE account_id = ? AND id = ?")) {
                st.setLong(1, accountId);
                st.setLong(2, id);
                if (st.executeUpdate() == 0) return false;
            }
            bump(c, accountId, false);
            return true;
        });
    }

    @Override
    public long version(long accountId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT version FROM identity_counters WHERE account_id = ?")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    private static void insert(Connection c, long accountId, Identity i) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO identities (account_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            st.setLong(1, accountId);
            st.setLong(2, i.id());
            st.setString(3, i.name());
            st.setString(4, i.email());
            st.setString(5, i.replyTo());
            st.setString(6, i.bcc());
            st.setString(7, i.textSignature());
            st.setString(8, i.htmlSignature());
            st.executeUpdate();
        }
    }

    /** Raises the account's version; with {@code takeId}, also takes the next identity id and returns it. */
    private static long bump(Connection c, long accountId, boolean takeId) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO identity_counters (account_id) VALUES (?) ON CONFLICT DO NOTHING")) {
            st.setLong(1, accountId);
            st.executeUpdate();
        }
        try (var st = c.prepareStatement("UPDATE identity_counters SET version = version + 1, next_id = next_id + ? WHERE account_id = ? RETURNING next_id - ?")) {
            st.setInt(1, takeId ? 1 : 0);
            st.setLong(2, accountId);
            st.setInt(3, takeId ? 1 : 0);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
