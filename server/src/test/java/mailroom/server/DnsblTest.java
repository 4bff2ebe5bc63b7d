package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DNS blocklists at the MX port, against two zones served by a {@link ZoneServer} on 127.0.13.1:
 * a listed client gets 554 5.7.1 at RCPT, a clean one delivers, an operator's
 * "refused" answer (127.255.255.x) is not a listing, and answers are cached for their TTL.
 */
class DnsblTest {
    private static final String DNS_HOST = "127.0.13.1";
    private static final String NODE_HOST = "127.0.12.1";

    @TempDir
    Path dir;
    private ZoneServer dns;
    private TestNode node;

    @BeforeEach
    void start() throws Exception {
        // RFC 5782: 127.0.0.2 is every list's test entry; our clients are 127.0.12.x
        dns = new ZoneServer(DNS_HOST, List.of(ZoneServer.zone("zen.example", """
                $TTL 300
                @   IN SOA ns.zen.example. hostmaster.zen.example. 1 3600 600 86400 60
                @   IN NS  ns.zen.example.
                ns  IN A   127.0.13.1
                2.0.0.127   IN A 127.0.0.2
                20.12.0.127 IN A 127.0.0.2
                20.12.0.127 IN TXT "listed for a test"
                21.12.0.127 IN A 127.255.255.254
                """), ZoneServer.zone("bl.example", """
                $TTL 300
                @   IN SOA ns.bl.example. hostmaster.bl.example. 1 3600 600 86400 60
                @   IN NS  ns.bl.example.
                ns  IN A   127.0.13.1
                22.12.0.127 IN A 127.0.0.4
                """)));
        node = new TestNode(dir.resolve("var"), config -> {
            config.node.bind = NODE_HOST;
            config.delivery.resolvers = List.of(DNS_HOST + ":" + dns.port());
            config.spam.dnsbl = List.of("zen.example", "bl.example");
        });
        new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
    }

    @AfterEach
    void stop() throws IOException {
        if (node != null) node.close();
        if (dns != null) dns.close();
    }

    private String send(String source) throws Exception {
        return new PythonSmtp(dir).send(NODE_HOST, node.smtp(), source, "alice@example.test", "hello from " + source, "Hi.");
    }

    @Test
    void aListedClientIsRefusedAtRcptInEachZone() throws Exception {
        assertThat(send("127.0.12.20")).isEqualTo("554 5.7.1 Service unavailable; client [127.0.12.20] blocked using zen.example");
        assertThat(send("127.0.12.22")).isEqualTo("554 5.7.1 Service unavailable; client [127.0.12.22] blocked using bl.example");
        assertThat(send("127.0.12.23")).startsWith("250 ");
        assertThat(send("127.0.12.21")).as("127.255.255.254 means the query was refused, not listed").startsWith("250 ");
        node.awaitDelivered();
        var storage = node.node.storage();
        long id = new Accounts(storage, "example.test").find("alice").orElseThrow().id();
        assertThat(storage.mail().messages(id, storage.mail().mailbox(id, "INBOX").orElseThrow().id())).hasSize(2);
    }

    @Test
    void answersAreCachedAndADeadListRefusesNobody() throws Exception {
        assertThat(send("127.0.12.20")).startsWith("554 5.7.1");
        int asked = dns.queries.get();
        assertThat(send("127.0.12.20")).as("the listing is remembered for its TTL").startsWith("554 5.7.1");
        assertThat(dns.queries.get()).isEqualTo(asked);
        dns.close();
        long start = System.nanoTime();
        assertThat(send("127.0.12.24")).as("with no DNS answer the client is taken as clean").startsWith("250 ");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(30_000);
    }

}
