package mailroom.directory;

import mailroom.storage.Routing;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where route keys should go when their store cannot serve them (dead, draining, gone) or they have
 * none yet: to the live stores, balanced by how many accounts each then serves. The largest keys are
 * placed first, each on the store with the least load so far (greedy, which for 27 keys comes close
 * to the best split). Keys on stores that can serve stay where they are. A key weighs a thousand
 * per account and one for itself, so accounts decide and letters without accounts spread evenly.
 */
final class Failover {
    private Failover() {}

    private static Map<String, Long> weights(Map<String, Long> accountsByKey) {
        Map<String, Long> weights = new HashMap<>();
        for (String key : Routing.KEYS) weights.put(key, 1000 * accountsByKey.getOrDefault(key, 0L) + 1);
        return weights;
    }

    /**
     * The stores that may serve letters, of the live nodes: those not draining; but when every live
     * store is draining, those. A draining store still works, and is better than a name pointing
     * nowhere while the others are down; its letters move on as soon as another store is back.
     */
    static List<Routing.Node> servingStores(List<Routing.Node> live) {
        List<Routing.Node> stores = live.stream().filter(n -> n.has("store")).toList();
        List<Routing.Node> notDraining = stores.stream().filter(n -> !n.draining()).toList();
        return notDraining.isEmpty() ? stores : notDraining;
    }

    /** The moves to make: route key to its new store (empty when nothing needs to move or no store can serve). */
    static Map<String, String> moves(Map<String, String> routes, Set<String> serving, Map<String, Long> accountsByKey) {
        return place(routes, serving, weights(accountsByKey));
    }

    private static Map<String, String> place(Map<String, String> routes, Set<String> serving, Map<String, Long> accountsByKey) {
        if (serving.isEmpty()) return Map.of();
        Map<String, Long> load = new TreeMap<>();
        serving.forEach(s -> load.put(s, 0L));
        List<String> homeless = Routing.KEYS.stream().filter(k -> !served(routes, serving, k)).toList();
        for (String key : Routing.KEYS) {
            if (!homeless.contains(key)) load.merge(routes.get(key), accountsByKey.getOrDefault(key, 0L), Long::sum);
        }
        Map<String, String> moves = new HashMap<>();
        homeless.stream()
                .sorted(Comparator.comparing((String k) -> accountsByKey.getOrDefault(k, 0L)).reversed().thenComparing(k -> k))
                .forEach(key -> {
                    String least = load.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
                    moves.put(key, least);
                    load.merge(least, accountsByKey.getOrDefault(key, 0L), Long::sum);
                });
        return moves;
    }

    /** True when key {@code k} has a route to one of the serving stores. */
    private static boolean served(Map<String, String> routes, Set<String> serving, String k) {
        String store = routes.get(k);
        return store != null && serving.contains(store);
    }

    /**
     * A new placement of every key over {@code serving}, balanced by weight, moving as few keys as
     * it can: used by `route rebalance` after a store is added.
     */
    static Map<String, String> rebalance(Map<String, String> routes, Set<String> serving, Map<String, Long> accounts) {
        if (serving.isEmpty()) return Map.of();
        Map<String, Long> weights = weights(accounts);
        long total = weights.values().stream().mapToLong(Long::longValue).sum();
        long fair = (total + serving.size() - 1) / serving.size();
        Map<String, String> placed = new HashMap<>();
        Map<String, Long> load = new TreeMap<>();
        serving.forEach(s -> load.put(s, 0L));
        // Keep each store's keys, largest first, up to its fair share; the rest are placed again.
        Routing.KEYS.stream()
                .filter(k -> served(routes, serving, k))
                .sorted(Comparator.comparing((String k) -> weights.getOrDefault(k, 0L)).reversed().thenComparing(k -> k))
                .forEach(k -> {
                    String store = routes.get(k);
                    long size = weights.getOrDefault(k, 0L);
                    if (load.get(store) + size <= fair || load.get(store) == 0) {
                        placed.put(k, store);
                        load.merge(store, size, Long::sum);
                    }
                });
        Map<String, String> kept = new HashMap<>(routes);
        kept.keySet().retainAll(placed.keySet());
        // The keys not kept are placed like a dead store's, on the least loaded; unchanged ones drop out.
        Map<String, String> moves = new HashMap<>(place(kept, serving, weights));
        moves.entrySet().removeIf(move -> move.getValue().equals(routes.get(move.getKey())));
        return moves;
    }
}
