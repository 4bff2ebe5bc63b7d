package mailroom.storage.sql;

import mailroom.storage.Account;
import mailroom.storage.Directory;
import mailroom.storage.StorageException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@link Directory} in SQL; the same database as the mail, so the CLI and the server share it. */
public final class SqlDirectory extends SqlAdministration implements Directory {
    private static final String ACCOUNT_COLUMNS = "SELECT id, username, domain, password_hash, quota_bytes, scram, admin FROM accounts ";

    public SqlDirectory(Database db) {
        super(db);
    }

    @Override
    public void addDomain(String domain) {
        // Every start and every command line adds the configured domain: a read, when it is there,
        // spares them a turn at the single writer.
        if (isLocalDomain(domain.toLowerCase(Locale.ROOT))) return;
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO domains (name) VALUES (?) ON CONFLICT DO NOTHING")) {
                st.setString(1, domain.toLowerCase(Locale.ROOT));
                return st.executeUpdate();
            }
        });
    }

    @Override
    public boolean isLocalDomain(String domain) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT 1 FROM domains WHERE name = ?")) {
                st.setString(1, domain);
                try (var rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public List<String> domains() {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT name FROM domains ORDER BY name"); var rs = st.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    @Override
    public Account addAccount(String username, String domain, String passwordHash) {
        return db.write(c -> {
            if (findAccount(c, username, domain).isPresent()) throw new AlreadyExists("account " + username + "@" + domain);
            try (var st = c.prepareStatement("INSERT INTO accounts (username, domain, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id")) {
                st.setString(1, username);
                st.setString(2, domain.toLowerCase(Locale.ROOT));
                st.setString(3, passwordHash);
                st.setLong(4, System.currentTimeMillis());
                try (var rs = st.executeQuery()) {
                    rs.next();
                    return new Account(rs.getLong(1), username, domain.toLowerCase(Locale.ROOT), passwordHash, 0, "", false);
                }
            } catch (SQLException e) {
                if (e.getMessage() != null && e.getMessage().contains("FOREIGN KEY")) {
                    throw new StorageException("domain " + domain + " is not a local domain");
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<Account> account(String username, String domain) {
        return db.read(c -> findAccount(c, username, domain));
    }

    private static Optional<Account> findAccount(Connection c, String username, String domain) throws SQLException {
        try (var st = c.prepareStatement(ACCOUNT_COLUMNS + "WHERE username = ? AND domain = ?")) {
            st.setString(1, username);
            st.setString(2, domain);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(accountOf(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Optional<Account> account(long id) {
        return db.read(c -> {
            try (var st = c.prepareStatement(ACCOUNT_COLUMNS + "WHERE id = ?")) {
                st.setLong(1, id);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(accountOf(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Account> accounts() {
        return db.read(c -> {
            List<Account> out = new ArrayList<>();
            try (var st = c.prepareStatement(ACCOUNT_COLUMNS + "ORDER BY domain, username"); var rs = st.executeQuery()) {
                while (rs.next()) out.add(accountOf(rs));
            }
            return out;
        });
    }

    private static Account accountOf(ResultSet rs) throws SQLException {
        return new Account(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6), rs.getInt(7) != 0);
    }

    @Override
    public boolean setPassword(long accountId, String passwordHash) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE accounts SET password_hash = ? WHERE id = ?")) {
                st.setString(1, passwordHash);
                st.setLong(2, accountId);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean setScram(long accountId, String scram) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE accounts SET scram = ? WHERE id = ?")) {
                st.setString(1, scram);
                st.setLong(2, accountId);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void setAlias(Alias alias) {
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO aliases (domain, local_part, targets) VALUES (?, ?, ?) "
                    + "ON CONFLICT (domain, local_part) DO UPDATE SET targets = excluded.targets")) {
                st.setString(1, alias.domain().toLowerCase(Locale.ROOT));
                st.setString(2, alias.localPart());
                st.setString(3, String.join(",", alias.targets()));
                return st.executeUpdate();
            } catch (SQLException e) {
                if (e.getMessage() != null && e.getMessage().contains("FOREIGN KEY")) {
                    throw new StorageException("domain " + alias.domain() + " is not a local domain");
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<Alias> alias(String localPart, String domain) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT local_part, domain, targets FROM aliases WHERE local_part = ? AND domain = ?")) {
                st.setString(1, localPart);
                st.setString(2, domain);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(aliasOf(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Alias> aliases() {
        return db.read(c -> {
            List<Alias> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT local_part, domain, targets FROM aliases ORDER BY domain, local_part"); var rs = st.executeQuery()) {
                while (rs.next()) out.add(aliasOf(rs));
            }
            return out;
        });
    }

    private static Alias aliasOf(ResultSet rs) throws SQLException {
        return new Alias(rs.getString(1), rs.getString(2), List.of(rs.getString(3).split(",")));
    }

    @Override
    public boolean deleteAlias(String localPart, String domain) {
        return db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM aliases WHERE local_part = ? AND domain = ?")) {
                st.setString(1, localPart);
                st.setString(2, domain);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void setDkimKey(DkimKey key) {
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO dkim_keys (domain, selector, private_key, created_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (domain) DO UPDATE SET selector = excluded.selector, private_key = excluded.private_key, created_at = excluded.created_at")) {
                st.setString(1, key.domain().toLowerCase(Locale.ROOT));
                st.setString(2, key.selector());
                st.setString(3, key.privateKey());
                st.setLong(4, System.currentTimeMillis());
                return st.executeUpdate();
            }
        });
    }

    @Override
    public Optional<DkimKey> dkimKey(String domain) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT domain, selector, private_key FROM dkim_keys WHERE domain = ?")) {
                st.setString(1, domain);
                try (var rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(new DkimKey(rs.getString(1), rs.getString(2), rs.getString(3))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean setQuota(long accountId, long quotaBytes) {
        return db.write(c -> {
            try (var st = c.prepareStatement("UPDATE accounts SET quota_bytes = ? WHERE id = ?")) {
                st.setLong(1, quotaBytes);
                st.setLong(2, accountId);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean deleteAccount(long accountId) {
        return db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM accounts WHERE id = ?")) {
                st.setLong(1, accountId);
                return st.executeUpdate() > 0;
            }
        });
    }
}
