package mailroom.directory;

import mailroom.storage.Directory;
import mailroom.storage.Routing;
import mailroom.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The director role: keeps the zone current and serves it by DNS, and, on the one director that
 * holds the leader lock, moves the route keys of stores that died or are draining to the live ones.
 * Several directors may run; all serve DNS from the shared directory, one acts.
 */
public final class Director implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Director.class);
    private static final Duration TICK = Duration.ofMillis(250);

    private final Zone.Settings settings;
    private final Directory directory;
    private final Function<Directory.DkimKey, String[]> dkimRecord;
    private final Storage.LeaderLock leadership;
    private final Clock clock;
    private final DnsServer dns;
    /** Null when only heartbeats count. */
    private final Probes probes;
    private final Thread loop;
    private volatile Zone zone;
    /** An outside DNS server to keep in line with the zone, or null. */
    private volatile DnsPush push;
    private long pushedSerial = -1;
    private volatile boolean leading;
    private volatile boolean closed;
    private Instant built = Instant.MIN;
    private Instant leadingSince = Instant.EPOCH;
    /** When the nodes were last read (System.nanoTime), and when they were read again after a long gap. */
    private long lastSeen = System.nanoTime();
    private Instant sightRestored = Instant.EPOCH;

    public Director(Zone.Settings settings, Storage storage, Function<Directory.DkimKey, String[]> dkimRecord,
                    InetAddress bind, int dnsPort, Clock clock) throws IOException {
        this(settings, storage, dkimRecord, bind, dnsPort, clock, null);
    }

    /**
     * A director that also probes each store's IMAP port and each sorter's SMTP port (the ports every
     * node of the cluster shares) every {@code probeEvery}.
     */
    public static Director probing(Zone.Settings settings, Storage storage, Function<Directory.DkimKey, String[]> dkimRecord,
                                   InetAddress bind, int dnsPort, int smtpPort, Duration probeEvery, Clock clock) throws IOException {
        return new Director(settings, storage, dkimRecord, bind, dnsPort, clock,
                new Probes(settings.ports().imap(), smtpPort, probeEvery, settings.nodeTimeout(), clock));
    }

    private Director(Zone.Settings settings, Storage storage, Function<Directory.DkimKey, String[]> dkimRecord,
                     InetAddress bind, int dnsPort, Clock clock, Probes probes) throws IOException {
        this.probes = probes;
        this.settings = settings;
        this.directory = storage.directory();
        this.dkimRecord = dkimRecord;
        this.leadership = storage.leaderLock();
        this.clock = clock;
        this.zone = Zone.build(settings, directory, directory.zoneSerial(), clock.instant(), dkimRecord); // heartbeats only, until probes have run
        this.dns = new DnsServer(bind, dnsPort, () -> zone);
        this.loop = Thread.ofPlatform().daemon().name("director").start(this::run);
    }

    /** Also keeps {@code server}'s copy of the zone current by dynamic update (done by the leader). */
    public void pushTo(DnsPush server) {
        this.push = server;
    }

    public int dnsPort() {
        return dns.port();
    }

    public boolean leading() {
        return leading;
    }

    public Zone zone() {
        return zone;
    }

    private void run() {
        while (!closed) {
            try {
                tick();
            } catch (RuntimeException e) {
                log.warn("director: {}", e.getMessage());
            }
            try {
                Thread.sleep(TICK);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One round: lead if we can, move what must move, and rebuild the zone when anything changed. */
    void tick() {
        Instant now = clock.instant();
        boolean wasLeading = leading;
        leading = leadership.held();
        if (leading && !wasLeading) {
            log.info("this director now leads");
            leadingSince = now;
        }
        var nodes = directory.nodes();
        // A long gap since the last time the nodes were read means the database was away (a
        // failover), for every node alike: their heartbeats could not be written either. Measured
        // on the monotonic clock, since the one given may be a test's.
        long seen = System.nanoTime();
        if (seen - lastSeen > settings.nodeTimeout().toNanos() / 2) sightRestored = clock.instant(); // now, after the wait
        lastSeen = seen;
        if (probes != null) probes.probe(nodes);
        java.util.function.Predicate<Routing.Node> live = n -> n.aliveAt(now, settings.nodeTimeout()) && (probes == null || probes.healthy(n, now));
        if (leading) failover(now, nodes, live);
        long serial = directory.zoneSerial();
        if (serial != zone.serial() || Duration.between(built, now).compareTo(Duration.ofSeconds(1)) >= 0) {
            Zone next = Zone.build(settings, directory, serial, live, dkimRecord);
            if (leading && serial == zone.serial() && !next.rrsets().equals(zone.rrsets())) {
                // The records changed without a write that took a serial (a node fell silent or came back,
                // a DKIM key or a domain was added): the serial must move too.
                next = Zone.build(settings, directory, directory.bumpZoneSerial(), live, dkimRecord);
            }
            zone = next;
            built = now;
        }
        DnsPush server = push;
        if (server != null && leading && zone.serial() != pushedSerial && server.push(zone)) pushedSerial = zone.serial();
    }

    /**
     * Route keys on stores that cannot serve go to the live stores, balanced by accounts. A new
     * cluster has no routes at all; its first placement waits until the stores starting with it
     * have had time to report, rather than giving every letter to the first one up.
     */
    private void failover(Instant now, java.util.List<Routing.Node> nodes, java.util.function.Predicate<Routing.Node> live) {
        if (now.isBefore(leadingSince.plus(settings.nodeTimeout())) && directory.routes().isEmpty()) return;
        // Nobody could write heartbeats while the database was away (a failover): every node gets a
        // full timeout to be heard again before its silence counts against it.
        if (now.isBefore(sightRestored.plus(settings.nodeTimeout()))) return;
        Set<String> serving = Failover.servingStores(nodes.stream().filter(live).toList()).stream()
                .map(Routing.Node::name).collect(Collectors.toSet());
        Map<String, String> routes = directory.routes();
        Map<String, String> moves = Failover.moves(routes, serving, directory.accountsByKey());
        if (moves.isEmpty()) return;
        log.info("moving routes {} (stores serving: {})", moves, serving);
        directory.setRoutes(moves);
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dns.close();
        leadership.close();
    }
}
