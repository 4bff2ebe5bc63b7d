package mailroom.server;

import mailroom.storage.Accounts;
import mailroom.storage.postgres.PostgresStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The example cluster (examples/cluster) as real processes: two directors, two stores and two
 * sorters over PostgreSQL in synchronous replication under Patroni, started by its own script.
 * Clients find stores the way users do, through the letter names in the cluster's DNS, while nodes
 * are killed and routes change.
 */
class ClusterTest {
    static final int IMAP = 2143, POP3 = 2110, SMTP = 2025, DNS = 2053;

    @TempDir
    Path dir;
    ExampleCluster example;
    Path cluster;
    PostgresStorage storage;
    Accounts accounts;

    @BeforeEach
    void start() throws Exception {
        example = ExampleCluster.copyInto(dir);
        cluster = example.dir;
        example.ok(240, "start"); // etcd, PostgreSQL under Patroni, then the six nodes
        storage = PostgresStorage.open(ExampleCluster.DATABASE_URL, ExampleCluster.DATABASE_USER, ExampleCluster.DATABASE_PASSWORD, 2);
        accounts = new Accounts(storage, "example.test");
    }

    @AfterEach
    void stop() throws Exception {
        if (storage != null) storage.close();
        if (example == null) return;
        if (Files.exists(cluster.resolve("var/store3.pid"))) script("kill", "store3");
        script("stop");
    }

    /** Runs examples/cluster/cluster (the copy) with Mailroom's Main class from this test's class path. */
    private Process script(String... args) throws Exception {
        return example.run(args);
    }

    /** Where a name leads, asked of the cluster's DNS (either director) with dig: the address after its CNAME. */
    static String resolve(String name, String director) throws IOException {
        var dig = new ProcessBuilder("dig", "@" + director, "-p", String.valueOf(DNS), "+short", "+time=2", "+tries=1", name, "A")
                .redirectErrorStream(true).start();
        try {
            if (!dig.waitFor(10, TimeUnit.SECONDS)) throw new IOException("dig did not finish");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        var lines = new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        return lines.stream().filter(l -> l.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")).findFirst()
                .orElseThrow(() -> new IOException("no address for " + name + ": " + lines));
    }

    static String storeOf(String address) {
        return switch (address) {
            case "127.0.1.1" -> "store1";
            case "127.0.1.2" -> "store2";
            case "127.0.1.3" -> "store3";
            default -> throw new IllegalArgumentException(address);
        };
    }

    /** Logs in through {@code address} and returns the subjects in the INBOX, and which store served the session. */
    static Map.Entry<List<String>, String> inbox(String address, String user) throws IOException {
        try (var c = LineClient.connect(address, IMAP)) {
            c.await("* OK");
            c.send("a LOGIN " + user + "@example.test " + user + "-password");
            c.await("a OK");
            c.send("b SELECT INBOX");
            c.await("b OK");
            c.send("c FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
            List<String> subjects = new ArrayList<>();
            for (String line; !(line = c.in().readLine()).startsWith("c "); ) {
                if (line.startsWith("Subject: ")) subjects.add(line.substring(9));
            }
            c.send("z LOGOUT");
            String bye = c.await("* BYE ");
            return Map.entry(subjects, bye.split(" ")[2].replace(".example.test", ""));
        }
    }

    static int pop3Count(String address, String user) throws IOException {
        try (var c = LineClient.connect(address, POP3)) {
            c.await("+OK");
            c.send("USER " + user + "@example.test");
            c.await("+OK");
            c.send("PASS " + user + "-password");
            c.await("+OK");
            c.send("STAT");
            int count = Integer.parseInt(c.await("+OK").split(" ")[1]);
            c.send("QUIT");
            return count;
        }
    }

    private String log(String node) throws IOException {
        return Files.readString(cluster.resolve("var/log/" + node + ".log"), StandardCharsets.UTF_8);
    }

    @Test
    void nodesDieAndRoutesMoveWhileMailKeepsFlowing() throws Exception {
        for (String user : List.of("alice", "bob", "carol", "zoe")) accounts.create(user, user + "-password");
        await().atMost(Duration.ofSeconds(20)).until(() -> storage.directory().routes().size() == 27);
        assertThat(Set(storage.directory().routes().values())).as("the first placement uses both stores").hasSize(2);

        // 1. kill -9 alice's store while 200 messages are sent to her at a steady rate through outbox
        String aliceStore = storeOf(resolve("maila.example.test", "127.0.3.1"));
        var sending = Executors.newSingleThreadExecutor();
        var sent = sending.submit(() -> {
            for (int i = 0; i < 200; i++) {
                String sorter = resolve("outbox.example.test", "127.0.3.1");
                LineClient.sendMail(sorter, SMTP, "friend@remote.test", "alice@example.test", "steady " + i);
                Thread.sleep(25);
            }
            return null;
        });
        Thread.sleep(1500);
        long killed = System.nanoTime();
        assertThat(script("kill", aliceStore).exitValue()).isZero();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> !storeOf(resolve("maila.example.test", "127.0.3.1")).equals(aliceStore));
        double failoverSeconds = (System.nanoTime() - killed) / 1e9;
        System.out.printf("failover of maila after kill -9 of %s: %.1f s%n", aliceStore, failoverSeconds);
        sent.get(60, TimeUnit.SECONDS);
        sending.shutdown();
        String maila = resolve("maila.example.test", "127.0.3.1");
        await().atMost(Duration.ofSeconds(20)).until(() -> inbox(maila, "alice").getKey().size() >= 200);
        var aliceInbox = inbox(maila, "alice");
        assertThat(aliceInbox.getKey()).as("every message, once").hasSize(200).doesNotHaveDuplicates();
        assertThat(aliceInbox.getValue()).isNotEqualTo(aliceStore);
        assertThat(pop3Count(maila, "alice")).isEqualTo(200);

        // 2. the store comes back, and rebalance gives it letters again
        assertThat(script("run", aliceStore).exitValue()).isZero();
        var rebalance = ChildProcess.run(cluster, null, "route", "rebalance", "--config", "store1.toml");
        assertThat(rebalance.exitCode()).as(rebalance.err()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> Set(storage.directory().routes().values()).size() == 2);

        // 3. an account routed away from its letter is the same mailbox through any letter's name
        String other = storeOf(resolve("maila.example.test", "127.0.3.1")).equals("store1") ? "store2" : "store1";
        assertThat(ChildProcess.run(cluster, null, "route", "move", "--account", "alice@example.test", "--to", other, "--config", "store1.toml").exitCode()).isZero();
        Thread.sleep(1200); // stores read routes at most once a second
        for (String name : List.of("maila.example.test", "mailz.example.test", "mailb.example.test")) {
            var seen = inbox(resolve(name, "127.0.3.2"), "alice");
            assertThat(seen.getKey()).as(name).hasSize(200);
            assertThat(seen.getValue()).as("served by her home, through " + name).isEqualTo(other);
        }

        // 4. kill the leading director: the other leads within seconds, and DNS answers on
        String leader = log("director").contains("this director now leads") ? "director" : "director2";
        String follower = leader.equals("director") ? "director2" : "director";
        String followerAddress = follower.equals("director") ? "127.0.3.1" : "127.0.3.2";
        long directorKilled = System.nanoTime();
        assertThat(script("kill", leader).exitValue()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> log(follower).contains("this director now leads"));
        System.out.printf("%s took over the lead in %.1f s%n", follower, (System.nanoTime() - directorKilled) / 1e9);
        assertThat(resolve("mailb.example.test", followerAddress)).startsWith("127.0.1.");

        // 5. drain bob's store with his session open: the session goes on, new ones go to the other store
        String bobStore = storeOf(resolve("mailb.example.test", followerAddress));
        try (var open = LineClient.connect(resolve("mailb.example.test", followerAddress), IMAP)) {
            open.await("* OK");
            open.send("a LOGIN bob@example.test bob-password");
            open.await("a OK");
            open.send("b SELECT INBOX");
            open.await("b OK");
            var drain = ChildProcess.run(cluster, null, "store", "drain", bobStore, "--config", "store1.toml");
            assertThat(drain.out()).as(drain.err()).contains("mailb -> ");
            await().atMost(Duration.ofSeconds(3)).until(() -> !storeOf(resolve("mailb.example.test", followerAddress)).equals(bobStore));
            LineClient.sendMail(resolve("outbox.example.test", followerAddress), SMTP, "friend@remote.test", "bob@example.test", "during the drain");
            boolean heard = false;
            for (int i = 0; i < 20 && !heard; i++) { // 250 means queued: filing follows within moments
                open.send("c" + i + " NOOP");
                for (String line; !(line = open.in().readLine()).startsWith("c" + i + " "); ) heard |= line.equals("* 1 EXISTS");
                if (!heard) Thread.sleep(250);
            }
            assertThat(heard).as("the session on the drained store goes on and hears of new mail").isTrue();
            open.send("i IDLE");
            open.await("+ ");
            long idling = System.nanoTime();
            assertThat(open.await("* BYE")).as("after the grace period, a gentle goodbye").contains("moved to another server");
            System.out.printf("the drained store's session was told to reconnect %.1f s into IDLE%n", (System.nanoTime() - idling) / 1e9);
        }
        assertThat(inbox(resolve("mailb.example.test", followerAddress), "bob").getKey()).containsExactly("during the drain");

        // 6. kill -9 a sorter in the middle of a burst: what it acknowledged and had queued, leased or not,
        //    is delivered by the other sorter, each message exactly once
        var acknowledged = java.util.concurrent.ConcurrentHashMap.<String>newKeySet();
        var senders = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            senders.submit(() -> {
                for (int i = 0; i < 100; i++) {
                    String subject = "burst " + thread + "-" + i;
                    try {
                        LineClient.sendMail("127.0.2.1", SMTP, "friend@remote.test", "carol@example.test", subject);
                        acknowledged.add(subject);
                    } catch (IOException e) {
                        return; // the sorter is gone
                    }
                }
            });
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 60);
        assertThat(script("kill", "sorter1").exitValue()).isZero();
        senders.shutdown();
        assertThat(senders.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        System.out.printf("sorter1 killed after acknowledging %d messages; %d still queued%n", acknowledged.size(), storage.queue().list().size());
        await().atMost(Duration.ofSeconds(60)).until(() -> storage.queue().list().isEmpty()); // leases run out (15 s), sorter2 delivers
        var carol = inbox(resolve("mailc.example.test", followerAddress), "carol").getKey();
        assertThat(carol).as("nothing twice").doesNotHaveDuplicates();
        assertThat(carol).as("everything acknowledged").containsAll(acknowledged);
        await().atMost(Duration.ofSeconds(15)).until(() -> resolve("outbox.example.test", followerAddress).equals("127.0.2.2"));

        // 7. a third store is added and the letters rebalanced while zoe's session stays open
        Files.writeString(cluster.resolve("store3.toml"), Files.readString(cluster.resolve("store1.toml"))
                .replace("store1", "store3").replace("127.0.1.1", "127.0.1.3"));
        try (var open = LineClient.connect(resolve("mailz.example.test", followerAddress), IMAP)) {
            open.await("* OK");
            open.send("a LOGIN zoe@example.test zoe-password");
            open.await("a OK");
            open.send("b SELECT INBOX");
            open.await("b OK");
            var add = ChildProcess.run(cluster, null, "store", "add", "store3", "127.0.1.3", "--config", "store1.toml");
            assertThat(add.exitCode()).as(add.err()).isZero();
            assertThat(script("run", "store3").exitValue()).isZero();
            var undrain = ChildProcess.run(cluster, null, "store", "undrain", bobStore, "--config", "store1.toml");
            assertThat(undrain.exitCode()).as(undrain.err()).isZero();
            var rebalanced = ChildProcess.run(cluster, null, "route", "rebalance", "--config", "store1.toml");
            assertThat(rebalanced.out()).as(rebalanced.err()).contains("-> store3");
            await().atMost(Duration.ofSeconds(3)).until(() -> storage.directory().routes().containsValue("store3"));
            open.send("c NOOP");
            assertThat(open.await("c ")).as("the open session goes on through the rebalance").startsWith("c OK");
        }
        String onStore3 = storage.directory().routes().entrySet().stream().filter(e -> e.getValue().equals("store3")).findFirst().orElseThrow().getKey();
        await().atMost(Duration.ofSeconds(3)).until(() -> resolve("mail" + onStore3 + ".example.test", followerAddress).equals("127.0.1.3"));
        String zoeHome = storeOf(resolve("mailz.example.test", followerAddress));
        Thread.sleep(1200); // stores read routes at most once a second
        assertThat(inbox(resolve("mail" + onStore3 + ".example.test", followerAddress), "zoe").getValue()).as("any letter's name, through store3")
                .isEqualTo(zoeHome);
    }

    private static <T> java.util.Set<T> Set(java.util.Collection<T> values) {
        return new java.util.HashSet<>(values);
    }
}
