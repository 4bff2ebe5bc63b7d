package mailroom.directory;

import mailroom.storage.Directory;
import mailroom.storage.Routing;
import mailroom.storage.Storage;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The director over embedded storage: the zone as DNS answers it (dnsjava and dig), and failover of route keys. */
class DirectorTest {
    @TempDir
    Path dir;
    Storage storage;
    Director director;
    /** The directory's clock, moved by hand to make nodes fall silent. */
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @BeforeEach
    void start() throws IOException {
        storage = SqliteStorage.open(dir, false);
        Directory d = storage.directory();
        d.addDomain("example.test");
        d.addDomain("elsewhere.org");
        for (String user : List.of("alice", "amy", "anna", "bob", "carol", "7up")) d.addAccount(user, "example.test", "hash");
        beat("director1", Set.of("director"), "127.0.3.1");
        beat("store1", Set.of("store"), "127.0.1.1");
        beat("store2", Set.of("store"), "127.0.1.2");
        beat("sorter1", Set.of("sorter"), "127.0.2.1");
        beat("sorter2", Set.of("sorter"), "127.0.2.2");
        d.setDkimKey(new Directory.DkimKey("example.test", "mr1", "unused-here"));
        director = new Director(settings(143), storage, DKIM, InetAddress.getLoopbackAddress(), 0, clock);
        director.tick();
        assertThat(storage.directory().routes()).as("a new cluster's first placement waits for the stores to report").isEmpty();
        clock.now = clock.now.plusSeconds(11); // a node timeout later, everyone has reported again
        for (var node : d.nodes()) beat(node.name(), node.roles(), node.address());
        director.tick();
    }

    static final java.util.function.Function<Directory.DkimKey, String[]> DKIM =
            key -> new String[] {key.selector() + "._domainkey." + key.domain(), "v=DKIM1; k=rsa; p=" + "A".repeat(300)};

    static Zone.Settings settings(int imapPort) {
        return new Zone.Settings("example.test", Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10),
                "v=DMARC1; p=none", new Zone.Ports(imapPort, 993, 110, 995, 587, 465, 4190, 443));
    }

    @AfterEach
    void stop() {
        director.close();
        storage.close();
    }

    private void beat(String node, Set<String> roles, String address) {
        storage.directory().heartbeat(node, roles, address, clock.instant());
    }

    private Message query(String name, int type) throws IOException {
        var resolver = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), director.dnsPort()));
        resolver.setTimeout(Duration.ofSeconds(2));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN)));
    }

    private static List<String> answers(Message m) {
        return m.getSection(Section.ANSWER).stream().map(r -> r.rdataToString()).toList();
    }

    @Test
    void theFirstLeaderSpreadsTheLettersOverTheStoresByAccounts() throws IOException {
        assertThat(director.leading()).isTrue();
        var routes = storage.directory().routes();
        assertThat(routes.keySet()).containsExactlyElementsOf(new java.util.TreeSet<>(Routing.KEYS));
        assertThat(Set.copyOf(routes.values())).containsExactlyInAnyOrder("store1", "store2");
        // "a" has three accounts, the others one each: "a" alone on one store, b, c and 0 on the other
        String aStore = routes.get("a");
        for (String k : List.of("b", "c", "0")) assertThat(routes.get(k)).isNotEqualTo(aStore);

        Message m = query("maila.example.test", Type.A);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(answers(m)).containsExactly(aStore + ".example.test.", aStore.equals("store1") ? "127.0.1.1" : "127.0.1.2");
    }

    @Test
    void theZoneHasEveryRecordTheDesignNames() throws IOException {
        assertThat(answers(query("store2.example.test", Type.A))).containsExactly("127.0.1.2");
        assertThat(answers(query("mail0.example.test", Type.CNAME))).hasSize(1);
        assertThat(answers(query("example.test", Type.MX))).containsExactlyInAnyOrder("10 sorter1.example.test.", "10 sorter2.example.test.");
        Message mx = query("example.test", Type.MX);
        assertThat(mx.getSection(Section.ADDITIONAL).stream().map(Record::rdataToString)).contains("127.0.2.1", "127.0.2.2");
        assertThat(answers(query("_imaps._tcp.example.test", Type.SRV))).containsExactlyInAnyOrder("0 1 993 store1.example.test.", "0 1 993 store2.example.test.");
        assertThat(answers(query("_submission._tcp.example.test", Type.SRV))).containsExactly("0 1 587 outbox.example.test.");
        assertThat(answers(query("_sieve._tcp.example.test", Type.SRV))).containsExactlyInAnyOrder("0 1 4190 store1.example.test.", "0 1 4190 store2.example.test.");
        assertThat(answers(query("_jmap._tcp.example.test", Type.SRV))).containsExactlyInAnyOrder("0 1 443 store1.example.test.", "0 1 443 store2.example.test.");
        assertThat(answers(query("example.test", Type.TXT))).containsExactly("\"v=spf1 mx -all\"");
        assertThat(answers(query("_dmarc.example.test", Type.TXT))).containsExactly("\"v=DMARC1; p=none\"");
        String dkim = answers(query("mr1._domainkey.example.test", Type.TXT)).getFirst();
        assertThat(dkim).startsWith("\"v=DKIM1; k=rsa; p=AAA").contains("\" \""); // split into strings of at most 255
        assertThat(answers(query("example.test", Type.NS))).containsExactly("director1.example.test.");
        assertThat(query("example.test", Type.SOA).getSection(Section.ANSWER).getFirst().rdataToString()).contains("director1.example.test. hostmaster.example.test.");
    }

    @Test
    void theSerialMovesWithEveryChangeOfTheRecords() throws IOException {
        long before = director.zone().serial();
        storage.directory().setDkimKey(new Directory.DkimKey("example.test", "mr2", "unused-here")); // no route or node change
        clock.now = clock.now.plusSeconds(2);
        director.tick();
        assertThat(director.zone().serial()).isGreaterThan(before);
        assertThat(answers(query("mr2._domainkey.example.test", Type.TXT))).hasSize(1);
        long after = director.zone().serial();
        clock.now = clock.now.plusSeconds(2);
        director.tick();
        assertThat(director.zone().serial()).as("no change, no new serial").isEqualTo(after);
    }

    @Test
    void outboxRotatesOverTheLiveSortersWithAShortTtl() throws IOException {
        Message first = query("outbox.example.test", Type.A), second = query("outbox.example.test", Type.A);
        assertThat(answers(first)).containsExactlyInAnyOrder("127.0.2.1", "127.0.2.2");
        assertThat(answers(second)).containsExactlyInAnyOrder("127.0.2.1", "127.0.2.2");
        assertThat(answers(first).getFirst()).isNotEqualTo(answers(second).getFirst());
        assertThat(first.getSection(Section.ANSWER).getFirst().getTTL()).isEqualTo(30);
    }

    @Test
    void refusedOutsideTheZoneNxdomainForUnknownNamesNodataForEmptyOnes() throws IOException {
        assertThat(query("www.elsewhere.org", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(query("elsewhere.org", Type.MX).getRcode()).as("a local domain outside the zone is not ours to answer").isEqualTo(Rcode.REFUSED);
        Message unknown = query("nonesuch.example.test", Type.A);
        assertThat(unknown.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(unknown.getSection(Section.AUTHORITY).getFirst().getType()).isEqualTo(Type.SOA);
        Message nodata = query("_tcp.example.test", Type.A);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(query("store1.example.test", Type.MX).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void malformedPacketsGetFormerrOrSilenceAndTheServerGoesOn() throws Exception {
        var random = new Random(42);
        try (var socket = new DatagramSocket()) {
            socket.setSoTimeout(300);
            var server = new InetSocketAddress(InetAddress.getLoopbackAddress(), director.dnsPort());
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[random.nextInt(64)];
                random.nextBytes(junk);
                if (junk.length > 2) junk[2] &= 0x7f; // a query, not a response
                socket.send(new DatagramPacket(junk, junk.length, server));
            }
            byte[] header = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07}; // claims a question, then stops
            socket.send(new DatagramPacket(header, header.length, server));
            byte[] buffer = new byte[512];
            boolean formerr = false;
            try {
                while (!formerr) {
                    var packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    var reply = new Message(java.util.Arrays.copyOf(buffer, packet.getLength()));
                    formerr = reply.getHeader().getID() == 0x1234 && reply.getRcode() == Rcode.FORMERR;
                }
            } catch (SocketTimeoutException e) {
                // checked below
            }
            assertThat(formerr).as("the truncated query got FORMERR").isTrue();
        }
        assertThat(answers(query("store1.example.test", Type.A))).containsExactly("127.0.1.1");
    }

    @Test
    void anUpdateWithAnImpossibleTtlGetsFormerrOverTcp() throws Exception {
        // found by fuzzing: in an UPDATE's update section, dnsjava refuses an empty record with a
        // TTL above 2^31-1 by an unchecked exception, which used to end the TCP connection without
        // an answer instead of FORMERR
        byte[] query = {0x43, 0x21, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0x00, 0x06, 0x00, 0x01,
                0, 0x00, 0x01, 0x00, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x16, 0x00, 0x00};
        try (var socket = new java.net.Socket(InetAddress.getLoopbackAddress(), director.dnsPort())) {
            socket.setSoTimeout(5000);
            var out = new java.io.DataOutputStream(socket.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            var in = new java.io.DataInputStream(socket.getInputStream());
            byte[] reply = in.readNBytes(in.readUnsignedShort());
            var message = new Message(reply);
            assertThat(message.getHeader().getID()).isEqualTo(0x4321);
            assertThat(message.getRcode()).isEqualTo(Rcode.FORMERR);
        }
    }

    @Test
    void digOverUdpAndTcp() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            var dig = new ProcessBuilder("dig", "@127.0.0.1", "-p", String.valueOf(director.dnsPort()), transport, "+short", "mailb.example.test", "A")
                    .redirectErrorStream(true).start();
            assertThat(dig.waitFor(10, TimeUnit.SECONDS)).isTrue();
            String out = new String(dig.getInputStream().readAllBytes()).strip();
            String store = storage.directory().routes().get("b");
            assertThat(out.lines().toList()).as(transport).containsExactly(store + ".example.test.", store.equals("store1") ? "127.0.1.1" : "127.0.1.2");
        }
    }

    @Test
    void aSilentStoreLosesItsLettersAndTheSerialMoves() throws IOException {
        var before = storage.directory().routes();
        long serial = director.zone().serial();
        // ten seconds on, everyone but store2 has sent a heartbeat
        clock.now = clock.now.plusSeconds(11);
        for (String n : List.of("director1", "store1", "sorter1", "sorter2")) {
            var node = storage.directory().nodes().stream().filter(x -> x.name().equals(n)).findFirst().orElseThrow();
            beat(n, node.roles(), node.address());
        }
        director.tick();
        var after = storage.directory().routes();
        assertThat(Set.copyOf(after.values())).containsExactly("store1");
        assertThat(director.zone().serial()).isGreaterThan(serial);
        for (String key : Routing.KEYS) {
            if (before.get(key).equals("store1")) assertThat(after.get(key)).as("keys on the live store stay").isEqualTo("store1");
        }
        assertThat(answers(query("maila.example.test", Type.CNAME))).containsExactly("store1.example.test.");
        assertThat(answers(query("_imap._tcp.example.test", Type.SRV))).containsExactly("0 1 143 store1.example.test.");
    }

    @Test
    void aDrainingStoreHandsItsLettersOverAndRebalanceSpreadsThemAgain() throws IOException {
        storage.directory().setDraining("store2", true);
        director.tick();
        assertThat(Set.copyOf(storage.directory().routes().values())).containsExactly("store1");
        storage.directory().setDraining("store2", false);
        director.tick();
        assertThat(Set.copyOf(storage.directory().routes().values())).as("undrain alone moves nothing back").containsExactly("store1");
        var moves = Failover.rebalance(storage.directory().routes(), Set.of("store1", "store2"), storage.directory().accountsByKey());
        storage.directory().setRoutes(moves);
        var routes = storage.directory().routes();
        long onStore2 = storage.directory().accountsByKey().entrySet().stream().filter(e -> routes.get(e.getKey()).equals("store2")).mapToLong(java.util.Map.Entry::getValue).sum();
        assertThat(onStore2).as("store2 serves about half of the six accounts again").isBetween(2L, 4L);
    }

    /** Issue 15: with one store draining and the other dead, the letters went nowhere until the drain ended. */
    @Test
    void aLiveDrainingStoreTakesTheLettersWhenNoOtherStoreIsAlive() throws IOException {
        storage.directory().setDraining("store2", true);
        director.tick();
        assertThat(Set.copyOf(storage.directory().routes().values())).containsExactly("store1");
        // store1 falls silent: store2, draining but alive, is all there is
        clock.now = clock.now.plusSeconds(11);
        for (String n : List.of("director1", "store2", "sorter1", "sorter2")) beatAgain(n);
        director.tick();
        assertThat(Set.copyOf(storage.directory().routes().values())).containsExactly("store2");
        assertThat(answers(query("maila.example.test", Type.CNAME))).containsExactly("store2.example.test.");
        assertThat(answers(query("mail0.example.test", Type.CNAME))).containsExactly("store2.example.test.");
        assertThat(answers(query("_imap._tcp.example.test", Type.SRV))).containsExactly("0 1 143 store2.example.test.");
        // store1 is back: the draining store hands everything over again
        clock.now = clock.now.plusSeconds(1);
        for (String n : List.of("director1", "store1", "store2", "sorter1", "sorter2")) beatAgain(n);
        director.tick();
        assertThat(Set.copyOf(storage.directory().routes().values())).containsExactly("store1");
        assertThat(answers(query("maila.example.test", Type.CNAME))).containsExactly("store1.example.test.");
    }

    private void beatAgain(String name) {
        var node = storage.directory().nodes().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        beat(name, node.roles(), node.address());
    }

    @Test
    void aStoreThatHeartbeatsButDoesNotAnswerIsTakenForDead() throws Exception {
        // store1 answers IMAP greetings; at store2's address nothing listens on that port, though it heartbeats
        try (var imap = new java.net.ServerSocket(0, 50, InetAddress.getByName("127.0.1.1"))) {
            Thread.ofVirtual().start(() -> {
                while (true) {
                    try (var client = imap.accept()) {
                        client.getOutputStream().write("* OK ready\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            director.close();
            director = Director.probing(settings(imap.getLocalPort()), storage, DKIM, InetAddress.getLoopbackAddress(), 0, 1, Duration.ofMillis(100), clock);
            director.tick(); // the first probes go out
            Thread.sleep(500);
            director.tick();
            assertThat(Set.copyOf(storage.directory().routes().values())).as("within the timeout both count").containsExactlyInAnyOrder("store1", "store2");
            // Everyone still heartbeats: the beats are written before the clock moves, so the director's own
            // loop never sees them stale (that would look like restarts, which start probing afresh).
            Instant later = clock.now.plusSeconds(11);
            for (var node : storage.directory().nodes()) storage.directory().heartbeat(node.name(), node.roles(), node.address(), later);
            clock.now = later;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            do { // probes again: store1 answers (however slowly the machine runs them), store2 does not
                director.tick();
                Thread.sleep(100);
            } while (!Set.copyOf(storage.directory().routes().values()).equals(Set.of("store1")) && System.nanoTime() < deadline);
            assertThat(Set.copyOf(storage.directory().routes().values())).containsExactly("store1");
            assertThat(answers(query("_imap._tcp.example.test", Type.SRV))).containsExactly("0 1 " + imap.getLocalPort() + " store1.example.test.");
        }
    }
}
