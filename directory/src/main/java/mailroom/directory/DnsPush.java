package mailroom.directory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Update;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For sites that run their own DNS: sends the zone's records to that server by dynamic update
 * (RFC 2136), signed with a TSIG key (RFC 8945), so it publishes what the director would. Each push
 * replaces only the RRsets that changed since the last one the server accepted (all of them the
 * first time); the server keeps its own SOA and NS records.
 */
public final class DnsPush {
    private static final Logger log = LoggerFactory.getLogger(DnsPush.class);

    /** The server, and the TSIG key it accepts updates of the zone with (algorithm e.g. "hmac-sha256"). */
    public record Target(String host, int port, String keyName, String algorithm, String secret) {}

    private final SimpleResolver resolver;
    /** RRsets as the server last accepted them. */
    private Map<String, List<Record>> pushed = Map.of();

    public DnsPush(Target target) {
        try {
            resolver = new SimpleResolver(new InetSocketAddress(target.host(), target.port()));
            resolver.setTCP(true);
            resolver.setTimeout(Duration.ofSeconds(5));
            resolver.setTSIGKey(new TSIG(Name.fromString(target.algorithm(), Name.root), target.keyName(), target.secret()));
        } catch (TextParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException("bad dynamic-update target: " + e.getMessage(), e);
        }
    }

    /** Brings the server in line with {@code zone}; true when it accepted (or nothing had changed). */
    synchronized boolean push(Zone zone) {
        Map<String, List<Record>> now = zone.rrsets();
        var update = new Update(zone.origin);
        int changes = 0;
        for (var old : pushed.entrySet()) {
            if (now.containsKey(old.getKey())) continue;
            Record r = old.getValue().getFirst();
            update.delete(r.getName(), r.getType());
            changes++;
        }
        for (var rrset : now.entrySet()) {
            if (rrset.getValue().equals(pushed.get(rrset.getKey()))) continue;
            Record r = rrset.getValue().getFirst();
            update.delete(r.getName(), r.getType());
            for (Record record : rrset.getValue()) update.add(record);
            changes++;
        }
        if (changes == 0) return true;
        try {
            Message reply = resolver.send(update);
            if (reply.getRcode() != Rcode.NOERROR) {
                log.warn("dynamic update of {} refused: {}", zone.origin, Rcode.string(reply.getRcode()));
                return false;
            }
            if (!reply.isVerified()) {
                log.warn("dynamic update of {}: the reply's TSIG does not verify", zone.origin);
                return false;
            }
        } catch (IOException e) {
            log.warn("dynamic update of {} failed: {}", zone.origin, e.getMessage());
            return false;
        }
        pushed = new HashMap<>(now);
        log.info("pushed {} changed record sets of {} (serial {})", changes, zone.origin, zone.serial());
        return true;
    }
}
