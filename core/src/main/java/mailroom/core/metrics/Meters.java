package mailroom.core.metrics;

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
    private static final Timer DELIVERY_LATENCY = Timer.builder("mailroom.delivery.latency")
            .description("from queueing to filing or hand-over, per delivered recipient")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
            .register(Metrics.globalRegistry);

    private Meters() {}

    /** A connection opened; returns what to call when it closes. */
    public static Runnable connected(String protocol) {
        Metrics.counter("mailroom.connections", "protocol", protocol).increment();
        var active = ACTIVE.computeIfAbsent(protocol, p -> Metrics.gauge("mailroom.connections.active", Tags.of("protocol", p), new AtomicInteger()));
        active.incrementAndGet();
        return active::decrementAndGet;
    }

    /** A command the protocol's table knows (unknown ones count as "unknown"). */
    public static void command(String protocol, String command) {
        Metrics.counter("mailroom.commands", "protocol", protocol, "command", command).increment();
    }

    public static void login(boolean ok) {
        Metrics.counter("mailroom.logins", "result", ok ? "ok" : "failed").increment();
    }

    /** One recipient's delivery attempt: where ("local" or "remote") and how it ended ("delivered", "deferred", "failed"). */
    public static void delivery(String where, String result) {
        Metrics.counter("mailroom.deliveries", "where", where, "result", result).increment();
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
            Metrics.timer("mailroom.storage", "op", op).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    public static void dnsQuery(String rcode) {
        Metrics.counter("mailroom.dns.queries", "rcode", rcode).increment();
    }
}
