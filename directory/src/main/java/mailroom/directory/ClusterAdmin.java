package mailroom.directory;

import mailroom.storage.Account;
import mailroom.storage.Directory;
import mailroom.storage.Routing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The operations an administrator runs on the cluster: see it, move letters and accounts, add,
 * drain and undrain stores, rebalance. The command line and the admin API both call these, so they
 * cannot drift. Every change is a directory write; the directors' DNS follows within a second, and
 * sessions already open on the old store keep working, since all stores share the storage.
 */
public final class ClusterAdmin {
    private final Directory directory;
    private final Duration nodeTimeout;
    private final Clock clock;

    public ClusterAdmin(Directory directory, Duration nodeTimeout, Clock clock) {
        this.directory = directory;
        this.nodeTimeout = nodeTimeout;
        this.clock = clock;
    }

    /** A node with what it serves now. */
    public record NodeStatus(Routing.Node node, boolean alive, List<String> keys, long accounts, long accountsRoutedHere) {}

    public List<NodeStatus> nodes() {
        Instant now = clock.instant();
        Map<String, String> routes = directory.routes();
        Map<String, Long> byKey = directory.accountsByKey();
        Map<String, Long> overrides = directory.accountRoutes().values().stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
        List<NodeStatus> out = new ArrayList<>();
        for (var node : directory.nodes()) {
            List<String> keys = Routing.KEYS.stream().filter(k -> node.name().equals(routes.get(k))).toList();
            long accounts = keys.stream().mapToLong(k -> byKey.getOrDefault(k, 0L)).sum();
            out.add(new NodeStatus(node, node.aliveAt(now, nodeTimeout), keys, accounts, overrides.getOrDefault(node.name(), 0L)));
        }
        return out;
    }

    /** Every route key and its store (absent keys have none yet: the leading director assigns them). */
    public Map<String, String> routes() {
        Map<String, String> routes = directory.routes();
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : Routing.KEYS) out.put(key, routes.getOrDefault(key, "-"));
        return out;
    }

    /** Accounts routed apart from their letter, by address. */
    public Map<String, String> accountRoutes() {
        Map<String, String> out = new TreeMap<>();
        directory.accountRoutes().forEach((id, store) -> directory.account(id).ifPresent(a -> out.put(a.address(), store)));
        return out;
    }

    /** Points the given keys (see {@link #parseKeys}) at {@code store}. */
    public void moveKeys(String keys, String store) {
        Routing.Node target = servingStore(store);
        Map<String, String> moves = new LinkedHashMap<>();
        for (String key : parseKeys(keys)) moves.put(key, target.name());
        directory.setRoutes(moves);
    }

    /** Routes one account to {@code store}, or back to its letter with store "letter". */
    public void moveAccount(String address, String store) {
        Account account = account(address);
        if (store.equalsIgnoreCase("letter")) {
            directory.setAccountRoute(account.id(), null);
            return;
        }
        directory.setAccountRoute(account.id(), servingStore(store).name());
    }

    /** Spreads the keys over the serving stores by accounts, moving as few as it can; returns the moves. */
    public Map<String, String> rebalance() {
        Map<String, String> moves = Failover.rebalance(directory.routes(), serving(), directory.accountsByKey());
        if (!moves.isEmpty()) directory.setRoutes(moves);
        return new TreeMap<>(moves);
    }

    /** Registers a store before it first starts (it is shown as down until its first heartbeat). */
    public void addStore(String name, String address) {
        if (directory.nodes().stream().anyMatch(n -> n.name().equals(name))) throw new IllegalArgumentException("a node named " + name + " exists already");
        directory.heartbeat(name, Set.of("store"), address, Instant.EPOCH);
    }

    /** Stops routing to {@code store}: its keys move to the other serving stores at once; returns the moves. */
    public Map<String, String> drain(String store) {
        store(store);
        directory.setDraining(store, true);
        Map<String, String> moves = Failover.moves(directory.routes(), serving(), directory.accountsByKey());
        if (!moves.isEmpty()) directory.setRoutes(moves);
        return new TreeMap<>(moves);
    }

    /** Lets {@code store} take routes again (run rebalance to give it some). */
    public void undrain(String store) {
        store(store);
        directory.setDraining(store, false);
    }

    /** "a-m", "a,c,x-z", "0" or "all": route keys in order. */
    public static List<String> parseKeys(String spec) {
        Set<String> keys = new LinkedHashSet<>();
        for (String part : spec.toLowerCase(java.util.Locale.ROOT).split(",")) {
            part = part.strip();
            if (part.equals("all")) {
                keys.addAll(Routing.KEYS);
            } else if (part.matches("[a-z]-[a-z]") && part.charAt(0) <= part.charAt(2)) {
                for (char c = part.charAt(0); c <= part.charAt(2); c++) keys.add(String.valueOf(c));
            } else if (Routing.KEYS.contains(part)) {
                keys.add(part);
            } else {
                throw new IllegalArgumentException("not a letter or range of letters: \"" + part + "\" (a-z, 0 for the rest, e.g. a-m or a,c,x-z)");
            }
        }
        return List.copyOf(keys);
    }

    private Set<String> serving() {
        Instant now = clock.instant();
        return directory.nodes().stream().filter(n -> n.has("store") && !n.draining() && n.aliveAt(now, nodeTimeout))
                .map(Routing.Node::name).collect(Collectors.toSet());
    }

    private Routing.Node store(String name) {
        return directory.nodes().stream().filter(n -> n.name().equals(name) && n.has("store")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no store named " + name));
    }

    /** A store that may take routes: known, a store, alive and not draining. */
    private Routing.Node servingStore(String name) {
        Routing.Node node = store(name);
        if (node.draining()) throw new IllegalArgumentException("store " + name + " is draining; undrain it first");
        if (!node.aliveAt(clock.instant(), nodeTimeout)) throw new IllegalArgumentException("store " + name + " is down (last heard " + node.heartbeat() + ")");
        return node;
    }

    private Account account(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0) throw new IllegalArgumentException("not an address: " + address);
        return directory.account(address.substring(0, at), address.substring(at + 1))
                .orElseThrow(() -> new IllegalArgumentException("no account " + address));
    }
}
