package mailroom.directory;

import mailroom.storage.Account;
import mailroom.storage.Directory;
import mailroom.storage.Routing;
import mailroom.storage.StorageException;
import mailroom.storage.StoreRouter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link StoreRouter} from the directory: an account's home is the store its own route names, else
 * the store of its letter. The routes and nodes are read at most once a second, so a log-in costs
 * no extra query; a route change therefore reaches new sessions within a second, as it reaches DNS.
 */
public final class StoreLocator implements StoreRouter {
    private static final Duration FRESH = Duration.ofSeconds(1);

    private record Snapshot(Instant at, Map<String, String> routes, Map<Long, String> accountRoutes, Map<String, Routing.Node> nodes, Set<InetAddress> addresses) {}

    private final Directory directory;
    private final String self;
    private final Duration nodeTimeout;
    private final Clock clock;
    private volatile Snapshot snapshot;

    public StoreLocator(Directory directory, String self, Duration nodeTimeout, Clock clock) {
        this.directory = directory;
        this.self = self;
        this.nodeTimeout = nodeTimeout;
        this.clock = clock;
    }

    private Snapshot snapshot() {
        Instant now = clock.instant();
        Snapshot s = snapshot;
        if (s != null && Duration.between(s.at(), now).compareTo(FRESH) < 0) return s;
        try {
            s = read(now);
        } catch (StorageException e) {
            if (s == null) throw e;
            // The database is failing over: the routes last read stand for a while, so sessions go
            // on being served here rather than fail for want of knowing where else they belong.
            s = new Snapshot(clock.instant(), s.routes(), s.accountRoutes(), s.nodes(), s.addresses());
        }
        snapshot = s;
        return s;
    }

    private Snapshot read(Instant now) {
        Map<String, Routing.Node> nodes = new HashMap<>();
        Set<InetAddress> addresses = new HashSet<>();
        for (var node : directory.nodes()) {
            nodes.put(node.name(), node);
            if (node.name().equals(self)) continue; // our own address is no peer's
            try {
                addresses.add(InetAddress.getByName(node.address()));
            } catch (UnknownHostException ignored) {
                // not an address: such a node cannot be recognised as a peer
            }
        }
        return new Snapshot(now, directory.routes(), directory.accountRoutes(), nodes, addresses);
    }

    @Override
    public Optional<InetAddress> elsewhere(Account account) {
        Snapshot s = snapshot();
        String store = s.accountRoutes().getOrDefault(account.id(), s.routes().get(Routing.keyOf(account.username())));
        if (store == null || store.equals(self)) return Optional.empty();
        Routing.Node home = s.nodes().get(store);
        // A home that is down or draining is not sent new sessions: this store serves them meanwhile.
        if (home == null || home.draining() || !home.aliveAt(clock.instant(), nodeTimeout)) return Optional.empty();
        try {
            return Optional.of(InetAddress.getByName(home.address()));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<InetAddress> liveStores() {
        Instant now = clock.instant();
        List<InetAddress> out = new ArrayList<>();
        for (var node : snapshot().nodes().values()) {
            if (!node.has("store") || node.draining() || !node.aliveAt(now, nodeTimeout)) continue;
            try {
                out.add(InetAddress.getByName(node.address()));
            } catch (UnknownHostException ignored) {
                // not reachable by address
            }
        }
        return out;
    }

    @Override
    public boolean fromNode(InetAddress peer) {
        return snapshot().addresses().contains(peer);
    }
}
