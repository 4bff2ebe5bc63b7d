package mailroom.storage.sql;

import mailroom.core.security.LoginFailures;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link LoginFailures} in the shared database (tables login_failures and login_blocks). */
public final class SqlLoginFailures implements LoginFailures {
    private final Database db;

    public SqlLoginFailures(Database db) {
        this.db = db;
    }

    @Override
    public Standing standing(String network, Instant since, Instant now) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT (SELECT max(until) FROM login_blocks WHERE network = ? AND until > ?),"
                    + " (SELECT count(*) FROM login_failures WHERE network = ? AND at > ?)")) {
                st.setString(1, network);
                st.setLong(2, now.toEpochMilli());
                st.setString(3, network);
                st.setLong(4, since.toEpochMilli());
                try (var rs = st.executeQuery()) {
                    rs.next();
                    long until = rs.getLong(1);
                    Optional<Instant> blocked = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(until));
                    return new Standing(blocked, rs.getInt(2));
                }
            }
        });
    }

    @Override
    public Counts recordFailure(String network, String login, String protocol, Instant at, Instant since) {
        return db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO login_failures (network, login, protocol, at) VALUES (?, ?, ?, ?)")) {
                st.setString(1, network);
                st.setString(2, login);
                st.setString(3, protocol);
                st.setLong(4, at.toEpochMilli());
                st.executeUpdate();
            }
            return new Counts(count(c, "network", network, since), count(c, "login", login, since));
        });
    }

    private static int count(Connection c, String column, String value, Instant since) throws SQLException {
        try (var st = c.prepareStatement("SELECT count(*) FROM login_failures WHERE " + column + " = ? AND at > ?")) {
            st.setString(1, value);
            st.setLong(2, since.toEpochMilli());
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void block(Block b) {
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO login_blocks (network, since, until, failures, last_login, last_protocol) VALUES (?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (network) DO UPDATE SET since = excluded.since, until = excluded.until, failures = excluded.failures,"
                    + " last_login = excluded.last_login, last_protocol = excluded.last_protocol")) {
                st.setString(1, b.network());
                st.setLong(2, b.since().toEpochMilli());
                st.setLong(3, b.until().toEpochMilli());
                st.setInt(4, b.failures());
                st.setString(5, b.lastLogin());
                st.setString(6, b.lastProtocol());
                return st.executeUpdate();
            }
        });
    }

    @Override
    public List<Block> blocks(Instant now) {
        return db.read(c -> {
            List<Block> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT network, since, until, failures, last_login, last_protocol FROM login_blocks"
                    + " WHERE until > ? ORDER BY since DESC, network")) {
                st.setLong(1, now.toEpochMilli());
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Block(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), Instant.ofEpochMilli(rs.getLong(3)),
                                rs.getInt(4), rs.getString(5), rs.getString(6)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public boolean unblock(String network) {
        return db.write(c -> {
            int changed = 0;
            for (String table : List.of("login_blocks", "login_failures")) {
                try (var st = c.prepareStatement("DELETE FROM " + table + " WHERE network = ?")) {
                    st.setString(1, network);
                    changed += st.executeUpdate();
                }
            }
            return changed > 0;
        });
    }

    @Override
    public void forget(Instant failuresBefore, Instant now) {
        db.write(c -> {
            try (var st = c.prepareStatement("DELETE FROM login_failures WHERE at <= ?")) {
                st.setLong(1, failuresBefore.toEpochMilli());
                st.executeUpdate();
            }
            try (var st = c.prepareStatement("DELETE FROM login_blocks WHERE until <= ?")) {
                st.setLong(1, now.toEpochMilli());
                return st.executeUpdate();
            }
        });
    }
}
