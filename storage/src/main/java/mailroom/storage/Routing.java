package mailroom.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The cluster's part of the directory (DESIGN section 2): the nodes as they last reported
 * themselves, and which store serves which accounts. Accounts are routed by the first letter of the
 * username, a to z, and {@link #OTHER} for names that begin with a digit or anything else; single
 * accounts can be routed apart from their letter. Every change of routes or node state takes the
 * zone's next serial, which the director's DNS server publishes in its SOA.
 */
public interface Routing {
    /** The route (and DNS name mail0) for usernames that do not begin with a letter a to z. */
    String OTHER = "0";

    /** Every route key, a to z then {@link #OTHER}. */
    List<String> KEYS = IntStream.concat(IntStream.rangeClosed('a', 'z'), IntStream.of(OTHER.charAt(0)))
            .mapToObj(c -> String.valueOf((char) c)).toList();

    /** The route key of a username. */
    static String keyOf(String username) {
        char first = username.isEmpty() ? '0' : Character.toLowerCase(username.charAt(0));
        return first >= 'a' && first <= 'z' ? String.valueOf(first) : OTHER;
    }

    /** A node: its roles, the address it is reached at, its last heartbeat, and whether it is being drained. */
    record Node(String name, Set<String> roles, String address, Instant heartbeat, boolean draining) {
        public boolean has(String role) {
            return roles.contains(role);
        }

        /** Heard from within {@code timeout} of {@code now}. */
        public boolean aliveAt(Instant now, Duration timeout) {
            return !heartbeat.isBefore(now.minus(timeout));
        }
    }

    /** Records that {@code name} is alive now, with these roles at this address (adding the node the first time). */
    void heartbeat(String name, Set<String> roles, String address, Instant now);

    List<Node> nodes();

    /** A draining store keeps serving its sessions but gets no routes; false if there is no such node. */
    boolean setDraining(String node, boolean draining);

    boolean removeNode(String node);

    /** Route key to store name, for the keys that have a store. */
    Map<String, String> routes();

    /** Points each given route key at its store, all in one change. */
    void setRoutes(Map<String, String> keyToStore);

    /** Accounts routed apart from their letter: account id to store name. */
    Map<Long, String> accountRoutes();

    /** Routes one account to {@code store}, or back to its letter's store when {@code store} is null. */
    void setAccountRoute(long accountId, String store);

    /** How many accounts each route key has (keys without accounts are left out). */
    Map<String, Long> accountsByKey();

    /** The zone's serial: it grows with every change of routes or nodes. */
    long zoneSerial();

    /** Takes the next serial, for a change the directory sees that is not a write here (a node falling silent). */
    long bumpZoneSerial();

    /** Lower-cases route keys and store names given by people. */
    static String normal(String s) {
        return s.strip().toLowerCase(Locale.ROOT);
    }
}
