package mailroom.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import mailroom.storage.Queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The Prometheus view of Micrometer's global registry, where every module records (see
 * {@code mailroom.core.metrics.Meters}), plus the JVM's own meters and the queue's depth and age.
 * One per process.
 */
public final class Prometheus {
    private static PrometheusMeterRegistry registry;
    private static QueueSnapshot snapshot;

    private Prometheus() {}

    /**
     * Makes the registry and adds it to the global one. A node calls this first thing, so that
     * every meter is registered after it (Micrometer warns about meters made before).
     */
    public static synchronized PrometheusMeterRegistry install() {
        if (registry == null) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Metrics.addRegistry(registry);
        }
        return registry;
    }

    /** The registry; the queue gauges follow {@code queue}, the queue of the admin server made last. */
    static synchronized PrometheusMeterRegistry registry(Queue queue) {
        install();
        if (snapshot != null) {
            snapshot.follow(queue);
            return registry;
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        snapshot = new QueueSnapshot(queue);
        Gauge.builder("mailroom.queue.depth", snapshot, s -> s.entries().size()).strongReference(true)
                .description("messages waiting in the queue").register(registry);
        Gauge.builder("mailroom.queue.oldest.age", snapshot, QueueSnapshot::oldestAgeSeconds).strongReference(true).baseUnit("seconds")
                .description("how long the oldest queued message has waited").register(registry);
        return registry;
    }

    /** The queue read at most every five seconds, however often it is scraped. */
    private static final class QueueSnapshot {
        private Queue queue;
        private List<Queue.Entry> entries = List.of();
        private Instant read = Instant.EPOCH;

        QueueSnapshot(Queue queue) {
            this.queue = queue;
        }

        synchronized void follow(Queue queue) {
            this.queue = queue;
            this.read = Instant.EPOCH;
        }

        synchronized List<Queue.Entry> entries() {
            if (Duration.between(read, Instant.now()).toSeconds() >= 5) {
                entries = queue.list();
                read = Instant.now();
            }
            return entries;
        }

        double oldestAgeSeconds() {
            return entries().stream().map(Queue.Entry::createdAt).min(Instant::compareTo)
                    .map(oldest -> Duration.between(oldest, Instant.now()).toMillis() / 1000.0).orElse(0.0);
        }
    }
}
