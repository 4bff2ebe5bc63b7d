package mailroom.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import mailroom.storage.DatabaseMember;
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

    private static MultiGauge databaseUp, databaseLag;

    /**
     * The database members as gauges, renewed at each scrape: {@code mailroom_database_member_up}
     * (1 when it answers) and {@code mailroom_database_replication_lag_bytes}, labelled with the
     * member's name, address and role. None on embedded storage.
     */
    static synchronized void recordDatabase(List<DatabaseMember> members) {
        if (databaseUp == null) {
            databaseUp = MultiGauge.builder("mailroom.database.member.up").description("1 when the database member answers, by role").register(registry);
            databaseLag = MultiGauge.builder("mailroom.database.replication.lag").baseUnit("bytes")
                    .description("how far a standby's replay is behind the primary").register(registry);
        }
        databaseUp.register(members.stream().map(m -> MultiGauge.Row.of(tags(m), m.role().equals(DatabaseMember.UNREACHABLE) ? 0 : 1)).toList(), true);
        databaseLag.register(members.stream().filter(m -> m.lagBytes() >= 0).map(m -> MultiGauge.Row.of(tags(m), m.lagBytes())).toList(), true);
    }

    private static Tags tags(DatabaseMember m) {
        return Tags.of("member", m.name(), "address", m.address(), "role", m.role());
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
