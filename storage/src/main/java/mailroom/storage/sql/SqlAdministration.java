package mailroom.storage.sql;

import mailroom.storage.Administration;
import mailroom.storage.Directory;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link Administration} in SQL: the administration part of {@link SqlDirectory}. */
abstract class SqlAdministration extends SqlRouting implements Administration {
    SqlAdministration(Database db) {
        super(db);
    }

    @Override
    public boolean setAdmin(long accountId, boolean admin) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE accounts SET admin = ? WHERE id = ?")) {
                st.setInt(1, admin ? 1 : 0);
                st.setLong(2, accountId);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void addAdminToken(String name, String tokenHash, Instant createdAt) {
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO admin_tokens (name, token_hash, created_at) VALUES (?, ?, ?)")) {
                st.setString(1, name);
                st.setString(2, tokenHash);
                st.setLong(3, createdAt.toEpochMilli());
                return st.executeUpdate();
            } catch (SQLException e) {
                if (Database.isDuplicate(e)) throw new Directory.AlreadyExists("token " + name);
                throw e;
            }
        });
    }

    @Override
    public Optional<String> adminTokenName(String tokenHash) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT name FROM admin_tokens WHERE token_hash = ?")) {
                st.setString(1, tokenHash);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<String> adminTokens() {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT name FROM admin_tokens ORDER BY name"); var rs = st.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    @Override
    public boolean deleteAdminToken(String name) {
        return db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM admin_tokens WHERE name = ?")) {
                st.setString(1, name);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void audit(Instant at, String actor, String action, String detail) {
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)")) {
                st.setLong(1, at.toEpochMilli());
                st.setString(2, actor);
                st.setString(3, action);
                st.setString(4, detail);
                return st.executeUpdate();
            }
        });
    }

    @Override
    public List<AuditEntry> auditLog(int limit) {
        return db.read(c -> {
            List<AuditEntry> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT id, at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?")) {
                st.setInt(1, limit);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(new AuditEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
            return out;
        });
    }
}
