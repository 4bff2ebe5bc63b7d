package mailroom.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What Mailroom measures, in one place, on Micrometer's global registry (the admin role publishes
 * it for Prometheus at /metrics). Labels come only from fixed sets (protocol names, command table
 * entries, outcomes), so no client can make the number of series grow.
 */
public final class Meters {
    private static final Map<String, AtomicInteger> ACTIVE = new ConcurrentHashMap<>();
    /** Meters looked up once and kept: a registry look-up builds tags and ids, too much for every command and query. */
    private static final Map<String, Counter> COUNTERS = new ConcurrentHashMap<>();
    private static final Map<String, Timer> TIMERS = new ConcurrentHashMap<>();
    private static final Timer DELIVERY_LATENCY = Timer.builder("mailroom.delivery.latency")
            .description("from queueing to filing or hand-over, per delivered recipient")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
            .register(Metrics.globalRegistry);

    private Meters() {}

    /** A connection opened; returns what to call when it closes. */
    public static Runnable connected(String protocol) {
        counter("mailroom.connections", "protocol", protocol).increment();
        var active = ACTIVE.computeIfAbsent(protocol, p -> Metrics.gauge("mailroom.connections.active", Tags.of("protocol", p), new AtomicInteger()));
        active.incrementAndGet();
        return active::decrementAndGet;
    }

    /** A command the protocol's table knows (unknown ones count as "unknown"). */
    public static void command(String protocol, String command) {
        counter("mailroom.commands", "protocol", protocol, "command", command).increment();
    }

    public static void login(boolean ok) {
        login(ok ? "ok" : "failed");
    }

    /** A login's outcome: "ok", "failed", or "blocked" (refused unchecked: its network is blocked). */
    public static void login(String result) {
        counter("mailroom.logins", "result", result).increment();
    }

    /** A client network was blocked for failed logins. */
    public static void addressBlocked() {
        counter("mailroom.security.blocks").increment();
    }

    /** Something refused by a limit ("connections", "connection_rate", "sessions", "messages", "recipients") on a protocol. */
    public static void limitRefused(String limit, String protocol) {
        counter("mailroom.limit.refusals", "limit", limit, "protocol", protocol).increment();
    }

    private static volatile Supplier<Integer> blockedAddresses = () -> 0;

    /** Where {@code mailroom_security_blocked_addresses} reads the networks blocked now (cluster-wide); the last caller wins. */
    public static void blockedAddresses(Supplier<Integer> count) {
        blockedAddresses = count;
        BlockedGauge.GAUGE.getId(); // registered on first use, after the node has installed its registry
    }

    private static final class BlockedGauge {
        static final io.micrometer.core.instrument.Gauge GAUGE = io.micrometer.core.instrument.Gauge
                .builder("mailroom.security.blocked.addresses", () -> blockedAddresses.get())
                .description("client networks blocked now for failed logins").strongReference(true).register(Metrics.globalRegistry);
    }

    /** One recipient's delivery attempt: where ("local" or "remote") and how it ended ("delivered", "deferred", "failed"). */
    public static void delivery(String where, String result) {
        counter("mailroom.deliveries", "where", where, "result", result).increment();
    }

    public static void deliveryLatency(Duration sinceQueued) {
        DELIVERY_LATENCY.record(sinceQueued);
    }

    /** Times one storage operation ("read" or "write"). */
    public static <T> T storage(String op, Supplier<T> work) {
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            TIMERS.computeIfAbsent(op, o -> Metrics.timer("mailroom.storage", "op", o)).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /**
     * One commit of the embedded database's writer, by its {@code PRAGMA synchronous} level: "full"
     * (fsynced), "normal" (metadata only, no fsync of its own) or "off" (fsync turned off).
     */
    public static void storageCommit(String synchronous) {
        counter("mailroom.storage.commits", "synchronous", synchronous).increment();
    }

    /** PostgreSQL committed {@code writes} waiting writes in one transaction (a group commit). */
    public static void storageGroupCommit(int writes) {
        counter("mailroom.storage.group.commits").increment();
        counter("mailroom.storage.group.writes").increment(writes);
    }

    public static void dnsQuery(String rcode) {
        counter("mailroom.dns.queries", "rcode", rcode).increment();
    }

    /** One message scored by rspamd: the action taken ("no action", "add header", "reject", ...), or "failed" (accepted unscored). */
    public static void spamCheck(String action) {
        counter("mailroom.spam.checks", "action", action).increment();
    }

    /** One client address looked up in the DNS blocklists: "listed", "clean", or "error" for a zone that did not answer. */
    public static void dnsbl(String result) {
        counter("mailroom.dnsbl.lookups", "result", result).increment();
    }

    private static Counter counter(String name, String... tags) {
        return COUNTERS.computeIfAbsent(name + " " + String.join(" ", tags), key -> Metrics.counter(name, tags));
    }
}
