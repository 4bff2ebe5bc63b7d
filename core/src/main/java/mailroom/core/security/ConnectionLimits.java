package mailroom.core.security;

import mailroom.core.metrics.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One listener's limits per client network: connections open at once, and new connections in the
 * last minute (a sliding window). Counted on this node only, as Postfix's anvil does. A refused
 * connection does not count, so a client that keeps hammering is let in again as its older
 * connections age out of the minute.
 */
public final class ConnectionLimits {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final int SWEEP_EVERY = 1024;

    /** One network's open connections and the start times of its connections within the last minute. */
    private static final class Usage {
        int open;
        final ArrayDeque<Long> recent = new ArrayDeque<>();

        void prune(long now) {
            while (!recent.isEmpty() && now - recent.peekFirst() >= MINUTE_NANOS) recent.pollFirst();
        }

        boolean idle() {
            return open == 0 && recent.isEmpty();
        }
    }

    private final String listener;
    private final int maxOpen, maxPerMinute;
    private final Predicate<InetAddress> exempt;
    private final Map<String, Usage> usage = new ConcurrentHashMap<>();
    private final AtomicInteger admitted = new AtomicInteger();

    public ConnectionLimits(String listener, int maxOpen, int maxPerMinute, Predicate<InetAddress> exempt) {
        this.listener = listener;
        this.maxOpen = maxOpen;
        this.maxPerMinute = maxPerMinute;
        this.exempt = exempt;
    }

    /** No limits at all (a listener for other nodes only, or a test server). */
    public static ConnectionLimits none(String listener) {
        return new ConnectionLimits(listener, Integer.MAX_VALUE, Integer.MAX_VALUE, a -> true);
    }

    /**
     * Counts a new connection from {@code client}; the returned action gives its place back when it
     * closes. Throws {@link LimitExceeded} when the client is over a limit.
     */
    public Runnable admit(InetAddress client) {
        if (exempt.test(client)) return () -> {};
        String network = ClientNetwork.of(client);
        long now = System.nanoTime();
        var refused = new LimitExceeded.Kind[1];
        usage.compute(network, (k, u) -> {
            Usage out = u == null ? new Usage() : u;
            out.prune(now);
            if (out.open >= maxOpen) refused[0] = LimitExceeded.Kind.CONNECTIONS;
            else if (out.recent.size() >= maxPerMinute) refused[0] = LimitExceeded.Kind.CONNECTION_RATE;
            else {
                out.open++;
                out.recent.addLast(now);
            }
            return out.idle() ? null : out;
        });
        if (admitted.incrementAndGet() % SWEEP_EVERY == 0) sweep(now);
        if (refused[0] != null) {
            Meters.limitRefused(refused[0].label, listener);
            String what = refused[0] == LimitExceeded.Kind.CONNECTIONS ? maxOpen + " connections at once" : maxPerMinute + " new connections a minute";
            log.warn("{} limit: refused a connection from {}: over {} from {}", listener, client.getHostAddress(), what, network);
            throw new LimitExceeded(refused[0], "Too many connections from your address, try again later");
        }
        return () -> usage.computeIfPresent(network, (k, u) -> {
            u.open--;
            u.prune(System.nanoTime());
            return u.idle() ? null : u;
        });
    }

    /** Forgets networks that have nothing open and nothing in the last minute. */
    private void sweep(long now) {
        for (String network : usage.keySet()) {
            usage.computeIfPresent(network, (k, u) -> {
                u.prune(now);
                return u.idle() ? null : u;
            });
        }
    }

    /** Networks tracked now (for tests). */
    int tracked() {
        return usage.size();
    }
}
