package mailroom.storage.postgres;

import mailroom.core.event.EventBus;
import mailroom.core.event.MailboxEvent;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Carries mailbox events between the nodes of a cluster with PostgreSQL's LISTEN/NOTIFY, so that an
 * IMAP client idling on one store hears of mail filed through another. Each event published on
 * this node is sent as a notification "instance account mailbox modseq"; a listener connection
 * receives everyone's and hands the other nodes' to the local event bus. An event is a hint to
 * read the change log, so one lost while a connection is re-established costs only a delay until
 * the session's next command or the next event.
 */
final class ChangeNotifications implements AutoCloseable {
    static final String CHANNEL = "mailroom_changes";
    private static final Logger log = LoggerFactory.getLogger(ChangeNotifications.class);

    private final PostgresDatabase db;
    private final EventBus events;
    private final String instance = UUID.randomUUID().toString();
    private final Thread listener;
    private volatile boolean closed;
    private volatile Connection listening;

    ChangeNotifications(PostgresDatabase db, EventBus events) {
        this.db = db;
        this.events = events;
        events.relayTo(this::send);
        this.listener = Thread.ofPlatform().daemon().name("postgres-listen").start(this::listen);
    }

    private void send(MailboxEvent e) {
        try {
            db.read(c -> {
                try (var st = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    st.setString(1, CHANNEL);
                    st.setString(2, instance + " " + e.accountId() + " " + e.mailboxId() + " " + e.modseq());
                    st.execute();
                    return null;
                }
            });
        } catch (RuntimeException failure) { // the change itself is committed; only the push is lost
            log.warn("could not notify other nodes of a change: {}", failure.getMessage());
        }
    }

    /**
     * Listens on a connection to the primary until it fails, then on a new one. After a break (the
     * primary died or stepped down) the notifications sent meanwhile are lost, so once listening
     * again every local session is told to read its change log: that finds what they announced.
     */
    private void listen() {
        boolean broken = false;
        while (!closed) {
            try (Connection c = db.dedicatedConnection()) {
                listening = c;
                try (var st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                if (broken) {
                    log.info("listening for other nodes' changes again; every session catches up from the change log");
                    events.arrivedEverywhere();
                    broken = false;
                }
                var pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] arrived = pg.getNotifications(5_000);
                    if (arrived == null || arrived.length == 0) {
                        // Quiet: make sure the primary is still there (a member that stepped down
                        // keeps the connection but will never send another notification).
                        if (!stillPrimary(c)) throw new SQLException("the database member is no longer the primary", "08006");
                        continue;
                    }
                    for (PGNotification n : arrived) deliver(n.getParameter());
                }
            } catch (SQLException e) {
                if (closed) return;
                if (!broken) log.warn("listening for other nodes' changes failed, retrying: {}", e.getMessage());
                broken = true;
                sleep(500);
            }
        }
    }

    private static boolean stillPrimary(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT NOT pg_is_in_recovery()")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private void deliver(String payload) {
        String[] f = payload.split(" ");
        if (f.length != 4 || f[0].equals(instance)) return; // our own, already delivered here
        try {
            events.arrived(new MailboxEvent(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
        } catch (NumberFormatException e) {
            log.warn("ignoring a malformed change notification: {}", payload);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        events.relayTo(event -> {});
        try {
            Connection c = listening;
            if (c != null) c.close(); // wakes the listener
        } catch (SQLException ignored) {
            // closing anyway
        }
        try {
            listener.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
