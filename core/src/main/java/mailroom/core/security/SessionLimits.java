package mailroom.core.security;

import mailroom.core.metrics.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Logged-in sessions per account and client network, per protocol (as Dovecot's
 * mail_max_userip_connections): a client that opens ever more connections for one account is
 * refused before it takes a store's memory, while other accounts at the same address are not.
 */
public final class SessionLimits {
    private static final Logger log = LoggerFactory.getLogger(SessionLimits.class);

    private final int max;
    private final Predicate<InetAddress> exempt;
    private final Map<String, Integer> open = new ConcurrentHashMap<>();

    public SessionLimits(int max, Predicate<InetAddress> exempt) {
        this.max = max;
        this.exempt = exempt;
    }

    /**
     * Counts a session of {@code account} (its address, for the key and the log) from {@code client};
     * the returned action ends it. Throws {@link LimitExceeded} beyond the limit.
     */
    public Runnable open(String protocol, String account, InetAddress client) {
        if (exempt.test(client)) return () -> {};
        String network = ClientNetwork.of(client);
        String key = protocol + " " + account + " " + network;
        boolean[] over = new boolean[1];
        open.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                over[0] = true;
                return n;
            }
            return now + 1;
        });
        if (over[0]) {
            Meters.limitRefused(LimitExceeded.Kind.SESSIONS.label, protocol);
            log.warn("{} limit: refused a session of {} from {}: over {} sessions from {}", protocol, account, client.getHostAddress(), max, network);
            throw new LimitExceeded(LimitExceeded.Kind.SESSIONS, "Too many sessions of this account from your address");
        }
        return () -> open.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }
}
