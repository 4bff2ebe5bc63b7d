package mailroom.storage.sql;

import mailroom.storage.Routing;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** {@link Routing} in SQL: the cluster half of {@link SqlDirectory}. */
abstract class SqlRouting implements Routing {
    protected final Database db;

    SqlRouting(Database db) {
        this.db = db;
    }

    @Override
    public void heartbeat(String name, Set<String> roles, String address, Instant now) {
        String roleList = String.join(",", new java.util.TreeSet<>(roles));
        db.write(c -> {
            boolean changed;
            try (var st = c.prepareStatement("SELECT roles, address FROM nodes WHERE name = ?")) {
                st.setString(1, name);
                try (var rs = st.executeQuery()) {
                    changed = !rs.next() || !rs.getString(1).equals(roleList) || !rs.getString(2).equals(address);
                }
            }
            try (var st = c.prepareStatement("""
                    INSERT INTO nodes (name, roles, address, heartbeat_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, address = excluded.address, heartbeat_at = excluded.heartbeat_at""")) {
                st.setString(1, name);
                st.setString(2, roleList);
                st.setString(3, address);
                st.setLong(4, now.toEpochMilli());
                st.executeUpdate();
            }
            if (changed) nextSerial(c); // a new node, or one that moved: its DNS records change
            return null;
        });
    }

    @Override
    public List<Node> nodes() {
        return db.read(c -> {
            List<Node> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT name, roles, address, heartbeat_at, draining FROM nodes ORDER BY name");
                 var rs = st.executeQuery()) {
                while (rs.next()) {
                    Set<String> roles = new LinkedHashSet<>(Arrays.asList(rs.getString(2).split(",")));
                    out.add(new Node(rs.getString(1), roles, rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5) != 0));
                }
            }
            return out;
        });
    }

    @Override
    public boolean setDraining(String node, boolean draining) {
        return update("UPDATE nodes SET draining = ? WHERE name = ?", draining ? 1 : 0, node);
    }

    @Override
    public boolean removeNode(String node) {
        return update("DELETE FROM nodes WHERE name = ?", node);
    }

    /** One statement that changes the zone: the serial moves with it, in the same transaction. */
    private boolean update(String sql, Object... args) {
        return db.write(c -> {
            int rows;
            try (var st = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) st.setObject(i + 1, args[i]);
                rows = st.executeUpdate();
            }
            if (rows > 0) nextSerial(c);
            return rows > 0;
        });
    }

    @Override
    public Map<String, String> routes() {
        return db.read(c -> {
            Map<String, String> out = new TreeMap<>();
            try (var st = c.prepareStatement("SELECT route_key, store FROM routes"); var rs = st.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
            return out;
        });
    }

    @Override
    public void setRoutes(Map<String, String> keyToStore) {
        for (String key : keyToStore.keySet()) {
            if (!KEYS.contains(key)) throw new IllegalArgumentException("not a route key: " + key + " (a to z, or " + OTHER + ")");
        }
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO routes (route_key, store) VALUES (?, ?) ON CONFLICT (route_key) DO UPDATE SET store = excluded.store")) {
                for (var route : keyToStore.entrySet()) {
                    st.setString(1, route.getKey());
                    st.setString(2, route.getValue());
                    st.addBatch();
                }
                st.executeBatch();
            }
            nextSerial(c);
            return null;
        });
    }

    @Override
    public Map<Long, String> accountRoutes() {
        return db.read(c -> {
            Map<Long, String> out = new TreeMap<>();
            try (var st = c.prepareStatement("SELECT account_id, store FROM account_routes"); var rs = st.executeQuery()) {
                while (rs.next()) out.put(rs.getLong(1), rs.getString(2));
            }
            return out;
        });
    }

    @Override
    public void setAccountRoute(long accountId, String store) {
        if (store == null) {
            update("DELETE FROM account_routes WHERE account_id = ?", accountId);
            return;
        }
        db.write(c -> {
            try (var st = c.prepareStatement("INSERT INTO account_routes (account_id, store) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET store = excluded.store")) {
                st.setLong(1, accountId);
                st.setString(2, store);
                st.executeUpdate();
            }
            nextSerial(c);
            return null;
        });
    }

    @Override
    public Map<String, Long> accountsByKey() {
        return db.read(c -> {
            Map<String, Long> out = new TreeMap<>();
            try (var st = c.prepareStatement("SELECT lower(substr(username, 1, 1)), COUNT(*) FROM accounts GROUP BY 1"); var rs = st.executeQuery()) {
                while (rs.next()) out.merge(Routing.keyOf(rs.getString(1)), rs.getLong(2), Long::sum);
            }
            return out;
        });
    }

    @Override
    public long zoneSerial() {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT serial FROM zone WHERE id = 1"); var rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public long bumpZoneSerial() {
        return db.write(SqlRouting::nextSerial);
    }

    private static long nextSerial(Connection c) throws SQLException {
        try (var st = c.prepareStatement("UPDATE zone SET serial = serial + 1 WHERE id = 1 RETURNING serial"); var rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
