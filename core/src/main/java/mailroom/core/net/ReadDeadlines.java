package mailroom.core.net;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Idle timeouts for every connection of the process, kept by one thread that looks at them ten
 * times a second, instead of by the socket: a blocking read with a socket timeout on a virtual
 * thread arms a timer in the scheduler and disarms it when data comes, twice per command, and at
 * thousands of commands a second that timer traffic was 7% of a node's CPU (the scheduler's
 * thread waking, and every read and wake-up signalling it). A read that outlives its deadline is
 * ended by shutting the connection's input, which the reader then reports as a timeout.
 */
final class ReadDeadlines {
    /** How often deadlines are looked at: a timeout fires up to this much late. */
    static final long TICK_MILLIS = 100;

    private static final Set<Connection> watched = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().name("read-deadlines").daemon().start(ReadDeadlines::run);
    }

    private ReadDeadlines() {}

    static void watch(Connection connection) {
        watched.add(connection);
    }

    static void forget(Connection connection) {
        watched.remove(connection);
    }

    private static void run() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : watched) c.expireReadIfPast(now);
        }
    }
}
