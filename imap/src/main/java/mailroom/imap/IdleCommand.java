package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * IDLE (RFC 2177): the session thread waits for "DONE" while a second virtual thread, woken by the
 * event bus, writes what changed in the selected mailbox as it happens. A keep-alive line every
 * few minutes keeps NAT boxes from dropping the connection.
 */
final class IdleCommand {
    private static final Logger log = LoggerFactory.getLogger(IdleCommand.class);
    private static final Duration KEEPALIVE = Duration.ofMinutes(2);
    /** At most how often an idle session checks whether its account's home has moved (a fraction of the grace period). */
    private static final Duration MOVE_CHECK = Duration.ofSeconds(15);

    private IdleCommand() {}

    static String idle(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        args.end();
        var wake = new Semaphore(0);
        var output = new ReentrantLock();
        s.connection.write("+ idling\r\n");
        s.reportChanges(true);
        s.connection.flush();
        long mailboxId = s.selected == null ? -1 : s.selected.mailbox.id();
        long accountId = s.selected == null ? s.account.id() : s.selected.mailbox.accountId(); // a shared mailbox's changes are its owner's
        SelectedMailbox selected = s.selected;
        if (selected != null) selected.forgetFlags(); // an idle session should hold little
        try (var subscription = s.server.storage.events().subscribe(accountId, e -> {
            if (!e.concerns(mailboxId)) return;
            if (selected != null) selected.announce(e); // before the wake: the notifier may run before the mailbox's own listener has heard it
            wake.release();
        })) {
            Thread notifier = Thread.ofVirtual().name("imap-idle").start(() -> {
                try {
                    long lastWritten = System.nanoTime();
                    // Thousands of idle sessions each wake this often; half the grace period is soon enough.
                    long check = Math.max(500, Math.min(MOVE_CHECK.toMillis(), s.server.settings.reconnectAfterMove.toMillis() / 2));
                    boolean pending = false; // a change not yet reported, kept while the storage fails
                    while (!Thread.currentThread().isInterrupted()) {
                        boolean changed = wake.tryAcquire(check, TimeUnit.MILLISECONDS) | pending;
                        wake.drainPermits();
                        boolean keepAlive = System.nanoTime() - lastWritten > KEEPALIVE.toNanos();
                        output.lock();
                        try {
                            if (Thread.currentThread().isInterrupted()) return;
                            if (!changed && s.movedAway()) {
                                s.sayMoved();
                                s.connection.close(); // ends the wait for DONE: the session is over
                                return;
                            }
                            if (!changed && !keepAlive) continue;
                            if (changed) s.reportChanges(true);
                            else s.untagged("OK Still here");
                            pending = false;
                            s.connection.flush();
                            lastWritten = System.nanoTime();
                        } catch (StorageException e) {
                            // The database is failing over: keep the change and look again at the
                            // next check, so the client still hears of what arrived meanwhile.
                            log.debug("idle notifier waits for storage: {}", e.getMessage());
                            pending = changed;
                        } finally {
                            output.unlock();
                        }
                    }
                } catch (InterruptedException e) {
                    // DONE arrived
                } catch (IOException | RuntimeException e) {
                    log.debug("idle notifier stopped: {}", e.toString());
                }
            });
            String line;
            try {
                line = s.connection.readLineUtf8(ImapSession.MAX_LINE);
            } finally {
                output.lock(); // wait for a notification being written to finish
                try {
                    notifier.interrupt();
                } finally {
                    output.unlock();
                }
                try {
                    notifier.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (line == null) throw new IOException("connection closed during IDLE");
            if (!line.strip().equalsIgnoreCase("DONE")) throw new ImapException.Bad("Expected DONE");
        } catch (ImapException | IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return "IDLE terminated";
    }
}
