package mailroom.directory;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.storage.Directory;
import mailroom.storage.Storage;
import mailroom.storage.sqlite.SqliteStorage;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * DNS queries (RFC 1035) to the director's server: any packet gets either no reply (too short to
 * answer, or itself a response) or a well-formed reply with the query's id that fits the size
 * limit; nothing throws. In this package because {@code answer} is the server's own.
 */
public final class DnsFuzz {
    private static DnsServer server;

    private DnsFuzz() {}

    public static void fuzzerInitialize() throws IOException {
        Storage storage = SqliteStorage.open(Files.createTempDirectory("dnsfuzz"), false);
        Directory d = storage.directory();
        d.addDomain("example.test");
        for (String user : new String[] {"alice", "bob", "7up"}) d.addAccount(user, "example.test", "hash");
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        d.heartbeat("director1", Set.of("director"), "127.0.14.1", now);
        d.heartbeat("store1", Set.of("store"), "127.0.14.2", now);
        d.heartbeat("store2", Set.of("store"), "::1", now);
        d.heartbeat("sorter1", Set.of("sorter"), "127.0.14.3", now);
        d.setDkimKey(new Directory.DkimKey("example.test", "mr1", "unused"));
        var settings = new Zone.Settings("example.test", Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10),
                "v=DMARC1; p=none", new Zone.Ports(143, 993, 110, 995, 587, 465, 4190, 443));
        Zone zone = Zone.build(settings, d, 1, node -> true,
                key -> new String[] {key.selector() + "._domainkey." + key.domain(), "v=DKIM1; k=rsa; p=" + "A".repeat(300)});
        // bound to a loopback address of the fuzz range; queries never arrive by the network here
        server = new DnsServer(InetAddress.getByName("127.0.14.1"), 0, () -> zone);
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) throws IOException {
        int limit = data.consumeBoolean() ? 512 : 65535;
        byte[] query = data.consumeRemainingAsBytes();
        byte[] reply = server.answer(query, limit);
        if (reply == null) return;
        if (reply.length > Math.max(limit, 4096)) throw new AssertionError("reply of " + reply.length + " octets over the limit " + limit);
        Message parsed = new Message(reply); // an IOException here is a malformed reply: a finding
        if (query.length >= 2 && parsed.getHeader().getID() != (((query[0] & 0xff) << 8) | (query[1] & 0xff))) {
            throw new AssertionError("reply id differs from the query's");
        }
        if (query.length >= Header.LENGTH && !parsed.getHeader().getFlag(org.xbill.DNS.Flags.QR)) throw new AssertionError("reply without QR");
    }
}
