package mailroom.smtp.spam;

import mailroom.core.metrics.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * DNS blocklists (RFC 5782), the cheap first line against spam: a client's address, reversed, is
 * looked up under each zone ({@code 2.0.0.127.zen.example} for 127.0.0.2), and an A record in
 * 127.0.0.0/8 means listed. Answers are cached for their TTL (negative ones for at most a minute),
 * so a busy client costs one query per zone per TTL. A zone that does not answer lists nobody.
 */
public final class Dnsbl {
    private static final Logger log = LoggerFactory.getLogger(Dnsbl.class);

    /** A listing: the zone and the address it answered (its code says why, e.g. 127.0.0.2). */
    public record Listing(String zone, String code) {}

    private final List<String> zones;
    private final Resolver resolver;
    private final Cache cache = new Cache();

    public Dnsbl(List<String> zones, Resolver resolver) {
        this.zones = List.copyOf(zones);
        this.resolver = resolver;
        cache.setMaxNCache(60);
    }

    /** The first zone that lists the address, if any. */
    public Optional<Listing> check(InetAddress client) {
        String reversed = reverse(client);
        for (String zone : zones) {
            Optional<String> code = lookup(reversed + "." + zone);
            if (code.isPresent()) {
                Meters.dnsbl("listed");
                log.info("client [{}] is listed in {} ({})", client.getHostAddress(), zone, code.get());
                return Optional.of(new Listing(zone, code.get()));
            }
        }
        Meters.dnsbl("clean");
        return Optional.empty();
    }

    /** The name's address in 127.0.0.0/8, if it has one. */
    private Optional<String> lookup(String name) {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name + "."), Type.A);
        } catch (TextParseException e) {
            return Optional.empty();
        }
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setSearchPath(List.of());
        Record[] records = lookup.run();
        switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> {
                for (Record r : records) {
                    InetAddress a = ((ARecord) r).getAddress();
                    byte[] b = a.getAddress();
                    // 127.255.255.x is how list operators say "query refused" (e.g. through a public
                    // resolver), not a listing; anything outside 127/8 is not an answer of the list at all.
                    if (b[0] == 127 && !(b[1] == (byte) 255 && b[2] == (byte) 255)) return Optional.of(a.getHostAddress());
                    log.warn("DNSBL {} answered {}, which is not a listing: ignored", name, a.getHostAddress());
                }
                return Optional.empty();
            }
            case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> {
                return Optional.empty();
            }
            default -> {
                Meters.dnsbl("error");
                log.warn("DNSBL look-up of {} failed ({}): taken as not listed", name, lookup.getErrorString());
                return Optional.empty();
            }
        }
    }

    /** The address as a DNSBL names it: IPv4 octets reversed, IPv6 nibbles reversed (RFC 5782 section 2.4). */
    static String reverse(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder out = new StringBuilder();
        if (address instanceof Inet4Address) {
            for (int i = b.length - 1; i >= 0; i--) out.append(b[i] & 0xff).append(i > 0 ? "." : "");
        } else {
            for (int i = b.length - 1; i >= 0; i--) {
                out.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16));
                if (i > 0) out.append('.');
            }
        }
        return out.toString();
    }
}
