package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.net.HostPort;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sorter's DNS look-ups (dnsjava): MX for outbound delivery, TXT for SPF, DKIM and DMARC. The
 * resolvers are configurable so that a site (or a test) can point them at its own DNS server.
 */
public final class Dns {
    /** A look-up that could not be answered now: retry later, it says nothing about the name. */
    public static final class TemporaryFailure extends IOException {
        TemporaryFailure(String message) {
            super(message);
        }
    }

    /** One mail exchanger; {@code preference} orders them, lowest first (RFC 5321 section 5.1). */
    public record Exchanger(String host, int preference) {}

    private final Resolver resolver;
    private final Cache cache = new Cache();

    public Dns(Config.Delivery config) throws UnknownHostException {
        if (config.resolvers.isEmpty()) {
            resolver = new ExtendedResolver();
        } else {
            List<Resolver> servers = new ArrayList<>();
            for (String server : config.resolvers) {
                HostPort address = HostPort.parse(server, 53).orElseThrow(() -> new IllegalArgumentException("bad resolver " + server));
                var simple = new SimpleResolver(address.host());
                simple.setPort(address.port());
                servers.add(simple);
            }
            resolver = new ExtendedResolver(servers);
        }
        resolver.setTimeout(config.dnsTimeout);
        cache.setMaxNCache(60); // a name that did not exist may exist a minute later
    }

    public Resolver resolver() {
        return resolver;
    }

    /**
     * The domain's mail exchangers in the order to try them: by preference, shuffled among equals.
     * With no MX record the domain itself is the exchanger (the implicit MX). A "null MX" (RFC 7505)
     * comes back as an empty list.
     */
    public List<Exchanger> mx(String domain) throws IOException {
        List<Record> records = lookup(domain, Type.MX);
        if (records == null) return List.of();
        if (records.isEmpty()) return List.of(new Exchanger(domain, 0));
        List<Exchanger> out = new ArrayList<>();
        for (Record r : records) {
            var mx = (MXRecord) r;
            String host = mx.getTarget().toString(true);
            if (host.isEmpty() || host.equals(".")) return List.of(); // null MX: this domain takes no mail
            out.add(new Exchanger(host, mx.getPriority()));
        }
        Collections.shuffle(out, ThreadLocalRandom.current());
        out.sort(Comparator.comparingInt(Exchanger::preference));
        return out;
    }

    /** IPv4 then IPv6 addresses of a host; a literal address is returned as it is. */
    public List<InetAddress> addresses(String host) throws IOException {
        if (host.matches("[0-9.]+|.*:.*")) return List.of(InetAddress.getByName(host));
        List<InetAddress> out = new ArrayList<>();
        List<Record> a = lookup(host, Type.A), aaaa = lookup(host, Type.AAAA);
        if (a != null) for (Record r : a) out.add(((ARecord) r).getAddress());
        if (aaaa != null) for (Record r : aaaa) out.add(((AAAARecord) r).getAddress());
        return out;
    }

    /** The TXT records of a name, each joined into one string. */
    public List<String> txt(String name) throws IOException {
        List<Record> records = lookup(name, Type.TXT);
        List<String> out = new ArrayList<>();
        if (records != null) for (Record r : records) out.add(String.join("", ((TXTRecord) r).getStrings()));
        return out;
    }

    /** The records; empty when the name has none of this type; null when the name does not exist. */
    private List<Record> lookup(String name, int type) throws IOException {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type);
        } catch (TextParseException e) {
            return null;
        }
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setSearchPath(List.of());
        Record[] records = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> List.of(records);
            case Lookup.TYPE_NOT_FOUND -> List.of();
            case Lookup.HOST_NOT_FOUND -> null;
            default -> throw new TemporaryFailure("DNS look-up of " + name + " " + Type.string(type) + " failed: " + lookup.getErrorString());
        };
    }
}
