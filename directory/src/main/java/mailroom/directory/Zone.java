package mailroom.directory;

import mailroom.storage.Directory;
import mailroom.storage.Routing;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The mail zone at one moment, as the director publishes it (DESIGN section 2): a name per node,
 * maila..mailz and mail0 as CNAMEs to the store serving that letter, outbox with an address per
 * live sorter, and for each local domain in the zone its MX, RFC 6186 and RFC 5804 SRV, SPF, DKIM and DMARC
 * records. Immutable; the DNS server answers from the newest one.
 */
public final class Zone {
    /** What the zone is made from besides the directory. */
    public record Settings(String origin, Duration ttl, Duration outboxTtl, Duration nodeTimeout, String dmarc, Ports ports) {}

    /** The ports published in SRV records. */
    public record Ports(int imap, int imaps, int pop3, int pop3s, int submission, int submissions, int sieve, int jmap) {}

    final Name origin;
    final long serial;
    final SOARecord soa;
    /** Records by owner name, then by type. */
    private final Map<Name, Map<Integer, List<Record>>> records = new LinkedHashMap<>();
    /** Every owner name and every name between it and the origin (empty non-terminals answer NODATA, not NXDOMAIN). */
    private final Set<Name> names = new HashSet<>();
    /** Which store each route key points at, after liveness: what maila..mail0 say. */
    final Map<String, String> storeByKey = new LinkedHashMap<>();
    private Zone(Name origin, long serial, SOARecord soa) {
        this.origin = origin;
        this.serial = serial;
        this.soa = soa;
    }

    /** Every RRset but the apex SOA and NS, which a server we push to keeps for itself: what RFC 2136 updates carry. */
    Map<String, List<Record>> rrsets() {
        Map<String, List<Record>> out = new LinkedHashMap<>();
        records.forEach((name, byType) -> byType.forEach((type, list) -> {
            if (name.equals(origin) && (type == Type.SOA || type == Type.NS)) return;
            out.put(name + " " + Type.string(type), list);
        }));
        return out;
    }

    /** Records of {@code type} at {@code name} (ANY: all of them); empty when there are none. */
    List<Record> lookup(Name name, int type) {
        var byType = records.get(name);
        if (byType == null) return List.of();
        if (type == Type.ANY) return byType.values().stream().flatMap(List::stream).toList();
        return byType.getOrDefault(type, List.of());
    }

    /** True when the name is in the zone's tree, with or without records of its own. */
    boolean exists(Name name) {
        return names.contains(name);
    }

    /** The store that serves route key {@code key} now. */
    public String storeFor(String key) {
        return storeByKey.get(key);
    }

    public long serial() {
        return serial;
    }

    /**
     * Builds the zone from the directory. A route key whose store is dead, draining or missing is
     * shown pointing at the live store serving the fewest keys until the director moves it for good,
     * so a name never points nowhere while there is a store to point at (a draining one, when it is
     * the only store alive).
     */
    public static Zone build(Settings settings, Directory directory, long serial, java.time.Instant now, Function<Directory.DkimKey, String[]> dkimRecord) {
        return build(settings, directory, serial, node -> node.aliveAt(now, settings.nodeTimeout()), dkimRecord);
    }

    /** The zone with {@code live} deciding which nodes are up (heartbeats, and the director's probes). */
    static Zone build(Settings settings, Directory directory, long serial, java.util.function.Predicate<Routing.Node> isLive,
                      Function<Directory.DkimKey, String[]> dkimRecord) {
        try {
            Name origin = Name.fromString(settings.origin(), Name.root);
            long ttl = settings.ttl().toSeconds();
            List<Routing.Node> live = directory.nodes().stream().filter(isLive).toList();
            List<Routing.Node> directors = live.stream().filter(n -> n.has("director")).toList();
            Name primary = directors.isEmpty() ? new Name("ns", origin) : nodeName(directors.getFirst(), origin);
            var soa = new SOARecord(origin, DClass.IN, ttl, primary, new Name("hostmaster", origin), serial, 3600, 600, 86400, ttl);
            var zone = new Zone(origin, serial, soa);
            zone.add(soa);
            for (var d : directors) zone.add(new NSRecord(origin, DClass.IN, ttl, nodeName(d, origin)));
            for (var node : directory.nodes()) zone.addAddress(nodeName(node, origin), node.address(), ttl);

            List<Routing.Node> stores = Failover.servingStores(live);
            zone.pointLetters(directory.routes(), stores);
            for (var key : Routing.KEYS) {
                String store = zone.storeByKey.get(key);
                if (store != null) zone.add(new CNAMERecord(new Name("mail" + key, origin), DClass.IN, ttl, new Name(store, origin)));
            }

            List<Routing.Node> sorters = live.stream().filter(n -> n.has("sorter") && !n.draining()).toList();
            Name outbox = new Name("outbox", origin);
            for (var sorter : sorters) zone.addAddress(outbox, sorter.address(), settings.outboxTtl().toSeconds());

            var ports = settings.ports();
            for (String domain : directory.domains()) {
                Name d = Name.fromString(domain, Name.root);
                if (!d.subdomain(origin)) continue; // another zone's: not ours to answer
                for (var sorter : sorters) zone.add(new MXRecord(d, DClass.IN, ttl, 10, nodeName(sorter, origin)));
                for (var store : stores) {
                    Name target = nodeName(store, origin);
                    zone.add(new SRVRecord(new Name("_imap._tcp", d), DClass.IN, ttl, 0, 1, ports.imap(), target));
                    zone.add(new SRVRecord(new Name("_imaps._tcp", d), DClass.IN, ttl, 0, 1, ports.imaps(), target));
                    zone.add(new SRVRecord(new Name("_pop3._tcp", d), DClass.IN, ttl, 10, 1, ports.pop3(), target));
                    zone.add(new SRVRecord(new Name("_pop3s._tcp", d), DClass.IN, ttl, 10, 1, ports.pop3s(), target));
                    zone.add(new SRVRecord(new Name("_sieve._tcp", d), DClass.IN, ttl, 0, 1, ports.sieve(), target)); // RFC 5804 section 1.8
                    zone.add(new SRVRecord(new Name("_jmap._tcp", d), DClass.IN, ttl, 0, 1, ports.jmap(), target)); // RFC 8620 section 2.2
                }
                zone.add(new SRVRecord(new Name("_submission._tcp", d), DClass.IN, ttl, 0, 1, ports.submission(), outbox));
                zone.add(new SRVRecord(new Name("_submissions._tcp", d), DClass.IN, ttl, 0, 1, ports.submissions(), outbox));
                zone.add(new TXTRecord(d, DClass.IN, ttl, "v=spf1 mx -all"));
                zone.add(new TXTRecord(new Name("_dmarc", d), DClass.IN, ttl, settings.dmarc()));
                var key = directory.dkimKey(domain);
                if (key.isPresent()) {
                    String[] record = dkimRecord.apply(key.get());
                    zone.add(new TXTRecord(Name.fromString(record[0], Name.root), DClass.IN, ttl, split(record[1])));
                }
            }
            return zone;
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: " + e.getMessage(), e);
        }
    }

    /** Route keys to live stores: the directory's choice when that store can serve, else the least loaded live store. */
    private void pointLetters(Map<String, String> routes, List<Routing.Node> stores) {
        Set<String> serving = new HashSet<>(stores.stream().map(Routing.Node::name).toList());
        Map<String, Integer> load = new LinkedHashMap<>();
        stores.forEach(s -> load.put(s.name(), 0));
        List<String> orphans = new ArrayList<>();
        for (String key : Routing.KEYS) {
            String store = routes.get(key);
            if (store != null && serving.contains(store)) {
                storeByKey.put(key, store);
                load.merge(store, 1, Integer::sum);
            } else {
                orphans.add(key);
            }
        }
        for (String key : orphans) {
            load.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(least -> {
                storeByKey.put(key, least.getKey());
                least.setValue(least.getValue() + 1);
            });
        }
    }

    /** A TXT value in strings of at most 255 octets (RFC 1035 section 3.3.14); DKIM keys are longer. */
    private static List<String> split(String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) parts.add(value.substring(i, Math.min(value.length(), i + 255)));
        return parts;
    }

    private static Name nodeName(Routing.Node node, Name origin) throws TextParseException {
        return new Name(node.name(), origin);
    }

    private void addAddress(Name name, String address, long ttl) {
        try {
            InetAddress ip = InetAddress.getByName(address);
            add(ip instanceof Inet6Address ? new AAAARecord(name, DClass.IN, ttl, ip) : new ARecord(name, DClass.IN, ttl, ip));
        } catch (UnknownHostException e) {
            // a node that advertised a name rather than an address gets no record
        }
    }

    private void add(Record record) {
        records.computeIfAbsent(record.getName(), n -> new LinkedHashMap<>()).computeIfAbsent(record.getType(), t -> new ArrayList<>()).add(record);
        for (Name n = record.getName(); n.subdomain(origin); n = new Name(n, 1)) {
            if (!names.add(n) || n.equals(origin)) break;
        }
        names.add(origin);
    }
}
