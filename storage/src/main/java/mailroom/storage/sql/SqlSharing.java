package mailroom.storage.sql;

import mailroom.core.event.EventBus;
import mailroom.core.event.MailboxEvent;
import mailroom.storage.Change;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.Sharing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** {@link Sharing} in SQL, the same statements on SQLite and PostgreSQL. */
public final class SqlSharing implements Sharing {
    private final Database db;
    private final EventBus events;

    public SqlSharing(Database db, EventBus events) {
        this.db = db;
        this.events = events;
    }

    @Override
    public Map<String, Rights> acl(long ownerId, long mailboxId) {
        return db.read(c -> {
            Map<String, Rights> out = new TreeMap<>();
            try (var st = c.prepareStatement("SELECT identifier, rights FROM mailbox_acl WHERE account_id = ? AND mailbox_id = ?")) {
                st.setLong(1, ownerId);
                st.setLong(2, mailboxId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), new Rights(rs.getString(2)));
                }
            }
            return out;
        });
    }

    @Override
    public void setRights(long ownerId, long mailboxId, String identifier, Rights rights) {
        db.write(c -> {
            update(c, "DELETE FROM mailbox_acl WHERE account_id = ? AND mailbox_id = ? AND identifier = ?", ownerId, mailboxId, identifier);
            if (!rights.isEmpty()) {
                update(c, "INSERT INTO mailbox_acl (account_id, mailbox_id, identifier, rights) VALUES (?, ?, ?, ?)",
                        ownerId, mailboxId, identifier, rights.letters());
            }
            return null;
        });
    }

    @Override
    public List<Entry> entriesFor(Collection<String> identifiers) {
        if (identifiers.isEmpty()) return List.of();
        List<String> all = new ArrayList<>();
        for (String id : identifiers) {
            all.add(id);
            all.add("-" + id);
        }
        String marks = String.join(", ", java.util.Collections.nCopies(all.size(), "?"));
        return db.read(c -> {
            List<Entry> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT account_id, mailbox_id, identifier, rights FROM mailbox_acl WHERE identifier IN (" + marks + ")")) {
                for (int i = 0; i < all.size(); i++) st.setString(i + 1, all.get(i));
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(new Entry(rs.getLong(1), rs.getLong(2), rs.getString(3), new Rights(rs.getString(4))));
                }
            }
            return out;
        });
    }

    @Override
    public void createGroup(String name) {
        db.write(c -> update(c, "INSERT INTO access_groups (name) VALUES (?) ON CONFLICT DO NOTHING", name));
    }

    @Override
    public boolean deleteGroup(String name) {
        return db.write(c -> {
            update(c, "DELETE FROM group_members WHERE group_name = ?", name);
            update(c, "DELETE FROM mailbox_acl WHERE identifier = ? OR identifier = ?", GROUP_PREFIX + name, "-" + GROUP_PREFIX + name);
            return update(c, "DELETE FROM access_groups WHERE name = ?", name) > 0;
        });
    }

    @Override
    public void setMember(String group, long accountId, boolean member) {
        db.write(c -> update(c, member
                ? "INSERT INTO group_members (group_name, member_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
                : "DELETE FROM group_members WHERE group_name = ? AND member_id = ?", group, accountId));
    }

    @Override
    public Map<String, Set<Long>> groups() {
        return db.read(c -> {
            Map<String, Set<Long>> out = new TreeMap<>();
            try (var st = c.prepareStatement("SELECT g.name, m.member_id FROM access_groups g LEFT JOIN group_members m ON m.group_name = g.name");
                 var rs = st.executeQuery()) {
                while (rs.next()) {
                    Set<Long> members = out.computeIfAbsent(rs.getString(1), k -> new TreeSet<>());
                    long id = rs.getLong(2);
                    if (!rs.wasNull()) members.add(id);
                }
            }
            return out;
        });
    }

    @Override
    public Set<String> groupsOf(long accountId) {
        return db.read(c -> {
            Set<String> out = new TreeSet<>();
            try (var st = c.prepareStatement("SELECT group_name FROM group_members WHERE member_id = ?")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    @Override
    public boolean sharedSeen(long ownerId, long mailboxId) {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT 1 FROM shared_seen_mailboxes WHERE account_id = ? AND mailbox_id = ?")) {
                st.setLong(1, ownerId);
                st.setLong(2, mailboxId);
                try (var rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void setSharedSeen(long ownerId, long mailboxId, boolean shared) {
        db.write(c -> update(c, shared
                ? "INSERT INTO shared_seen_mailboxes (account_id, mailbox_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
                : "DELETE FROM shared_seen_mailboxes WHERE account_id = ? AND mailbox_id = ?", ownerId, mailboxId));
    }

    @Override
    public Set<Long> seenBy(long ownerId, long mailboxId, long readerId) {
        return db.read(c -> {
            Set<Long> out = new TreeSet<>();
            try (var st = c.prepareStatement("SELECT uid FROM seen_by_reader WHERE account_id = ? AND mailbox_id = ? AND reader_id = ?")) {
                st.setLong(1, ownerId);
                st.setLong(2, mailboxId);
                st.setLong(3, readerId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) out.add(rs.getLong(1));
                }
            }
            return out;
        });
    }

    @Override
    public long setSeenBy(long ownerId, long mailboxId, long readerId, Collection<Long> uids, boolean seen) {
        long modseq = db.write(c -> {
            List<Long> changed = new ArrayList<>();
            for (long uid : new TreeSet<>(uids)) {
                if (!exists(c, ownerId, mailboxId, uid)) continue;
                int rows = seen
                        ? update(c, "INSERT INTO seen_by_reader (account_id, mailbox_id, reader_id, uid) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", ownerId, mailboxId, readerId, uid)
                        : update(c, "DELETE FROM seen_by_reader WHERE account_id = ? AND mailbox_id = ? AND reader_id = ? AND uid = ?", ownerId, mailboxId, readerId, uid);
                if (rows > 0) changed.add(uid);
            }
            if (changed.isEmpty()) return 0L;
            // The messages' flags are unchanged for everyone else; a new MODSEQ tells every session
            // and CONDSTORE client to look again (RFC 7162 lets a server report a change that is none).
            long next = SqlMailStore.nextModseq(c, ownerId);
            for (long uid : changed) update(c, "UPDATE messages SET modseq = ? WHERE account_id = ? AND mailbox_id = ? AND uid = ?", next, ownerId, mailboxId, uid);
            SqlMailStore.logChange(c, ownerId, next, mailboxId, changed, Change.Kind.FLAGS);
            return next;
        });
        if (modseq > 0) events.publish(new MailboxEvent(ownerId, mailboxId, modseq));
        return modseq;
    }

    private static boolean exists(Connection c, long ownerId, long mailboxId, long uid) throws SQLException {
        try (var st = c.prepareStatement("SELECT 1 FROM messages WHERE account_id = ? AND mailbox_id = ? AND uid = ?")) {
            st.setLong(1, ownerId);
            st.setLong(2, mailboxId);
            st.setLong(3, uid);
            try (var rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public void addNotification(Notification n) {
        db.write(c -> update(c, "INSERT INTO share_notifications (account_id, created_at, changed_by_id, changed_by_name, changed_by_email,"
                        + " owner_id, mailbox_id, mailbox_name, old_rights, new_rights) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                n.accountId(), n.created().toEpochMilli(), n.changedById(), n.changedByName(), n.changedByEmail(),
                n.ownerId(), n.mailboxId(), n.mailboxName(), n.oldRights().letters(), n.newRights().letters()));
    }

    @Override
    public List<Notification> notifications(long accountId) {
        return db.read(c -> {
            List<Notification> out = new ArrayList<>();
            try (var st = c.prepareStatement("SELECT id, created_at, changed_by_id, changed_by_name, changed_by_email, owner_id, mailbox_id,"
                    + " mailbox_name, old_rights, new_rights FROM share_notifications WHERE account_id = ? ORDER BY id")) {
                st.setLong(1, accountId);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Notification(rs.getLong(1), accountId, java.time.Instant.ofEpochMilli(rs.getLong(2)), rs.getLong(3), rs.getString(4),
                                rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8), new Rights(rs.getString(9)), new Rights(rs.getString(10))));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public boolean deleteNotification(long accountId, long id) {
        return db.write(c -> update(c, "DELETE FROM share_notifications WHERE account_id = ? AND id = ?", accountId, id)) > 0;
    }

    @Override
    public void forgetAccount(long accountId, String address) {
        db.write(c -> {
            // Its own mailboxes' rows go with its mail (SqlMailStore.ACCOUNT_TABLES); these are where it is the reader.
            update(c, "DELETE FROM mailbox_acl WHERE identifier = ? OR identifier = ?", address, "-" + address);
            update(c, "DELETE FROM group_members WHERE member_id = ?", accountId);
            update(c, "DELETE FROM share_notifications WHERE owner_id = ?", accountId);
            return update(c, "DELETE FROM seen_by_reader WHERE reader_id = ?", accountId);
        });
    }

    private static int update(Connection c, String sql, Object... values) throws SQLException {
        try (var st = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) st.setObject(i + 1, values[i]);
            return st.executeUpdate();
        }
    }
}
