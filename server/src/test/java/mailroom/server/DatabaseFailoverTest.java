package mailroom.server;

import mailroom.core.config.Config;
import mailroom.storage.Accounts;
import mailroom.storage.DatabaseMember;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The database's high availability with real processes: three etcd members and two PostgreSQL
 * members under Patroni in synchronous mode (the example cluster's script starts them), and two
 * Mailroom nodes in this JVM that list both members. While four SMTP senders deliver to one node
 * and an IMAP client idles on the other, the primary's machine dies, the primary is switched over,
 * the standby dies, and both die. Afterwards every message that got 250 is in the mailbox exactly
 * once, nothing is there twice, and the idling client heard of every message. The times measured
 * are printed and written to target/failover-times.txt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseFailoverTest {
    static final int SENDERS = 4;
    static final Duration FAILOVER_WAIT = Duration.ofSeconds(15);
    static final String FRONT = "127.0.7.1", BACK = "127.0.7.2";

    @TempDir
    static Path dir; // static: made before @BeforeAll, which needs it
    ExampleCluster cluster;
    TestNode front, back;
    final List<String> times = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        cluster = ExampleCluster.copyInto(dir);
        cluster.ok("start-db");
        Consumer<Config> shared = c -> {
            c.storage.backend = "postgres";
            c.storage.url = ExampleCluster.DATABASE_URL;
            c.storage.user = ExampleCluster.DATABASE_USER;
            c.storage.password = ExampleCluster.DATABASE_PASSWORD;
            c.storage.poolSize = 8;
            c.storage.failoverWait = FAILOVER_WAIT;
        };
        // Two directors contend for the leader lock; the back node serves IMAP and POP3 only. Each
        // has an address of its own and the cluster's ports, so a sorter reaches either store by LMTP.
        front = new TestNode(dir.resolve("front"), shared.andThen(c -> onAddress(c, "front", FRONT)));
        back = new TestNode(dir.resolve("back"), shared.andThen(c -> {
            onAddress(c, "back", BACK);
            c.node.roles = List.of("store", "director");
        }));
        new Accounts(front.node.storage(), "example.test").create("alice", "alice-password");
        await().atMost(Duration.ofSeconds(60)).until(() -> !front.node.storage().directory().routes().isEmpty());
    }

    static void onAddress(Config c, String name, String address) {
        c.node.name = name;
        c.node.bind = address;
        c.node.hostname = name + ".example.test";
        c.smtp.port = 2025;
        c.imap.port = 2143;
        c.pop3.port = 2110;
        c.lmtp.port = 2424;
        c.admin.port = 2080;
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (front != null) front.close();
            if (back != null) back.close();
        } finally {
            if (cluster != null) cluster.run(180, "stop");
            Files.writeString(Path.of("target", "failover-times.txt"), String.join("\n", times) + "\n");
        }
    }

    @Test
    @Order(0)
    void theMembersAndTheirRolesAreVisible() throws Exception {
        awaitSynchronousStandby();
        var status = ChildProcess.run(dir, null, "db", "status", "--config", nodeConfig().toString());
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("db[12] +127\\.0\\.4\\.[12]:5432 +primary +running")
                .containsPattern("db[12] +127\\.0\\.4\\.[12]:5432 +standby +\\w+, synchronous +\\d+ B");
        var whole = ChildProcess.run(dir, null, "status", "--config", nodeConfig().toString());
        assertThat(whole.out()).contains("front", "back", "DATABASE", "primary", "standby");

        var metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + FRONT + ":" + front.node.adminPort() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("mailroom_database_member_up\\{address=\"127.0.4.[12]:5432\",member=\"db[12]\",role=\"primary\"} 1")
                .containsPattern("mailroom_database_replication_lag_bytes\\{address=\"127.0.4.[12]:5432\",member=\"db[12]\",role=\"standby\"} \\d");
        assertThat(httpStatus(front.node.adminPort(), "/readyz")).isEqualTo(200);

        String basic = java.util.Base64.getEncoder().encodeToString(("postmaster@example.test:" + front.postmasterPassword).getBytes(StandardCharsets.UTF_8));
        var api = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + FRONT + ":" + front.node.adminPort() + "/api/v1/database")).header("Authorization", "Basic " + basic).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).isEqualTo(200);
        assertThat(api.body()).contains("\"role\":\"primary\"", "\"role\":\"standby\"", "\"name\":\"db1\"", "\"name\":\"db2\"");
    }

    @Test
    @Order(1)
    void thePrimaryMachineDiesUnderLoad() throws Exception {
        String primary = primaryName();
        try {
            Outcome outcome = underLoad("crash", () -> cluster.ok("crash", primary));
            outcome.report("crash of the primary (" + primary + ", Patroni and PostgreSQL kill -9)");
            assertThat(outcome.longestGap()).as("intake stood still after the crash").isLessThan(Duration.ofSeconds(30));
        } finally {
            // The old primary comes back as a standby of the new one: it must never take writes again.
            cluster.ok("run", primary);
        }
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(role(primary)).isEqualTo(DatabaseMember.STANDBY));
        assertThat(primaryName()).isNotEqualTo(primary);
    }

    @Test
    @Order(2)
    void aSwitchoverMovesThePrimaryWhileMailFlows() throws Exception {
        awaitSynchronousStandby();
        String primary = primaryName();
        Outcome outcome = underLoad("switchover", () -> {
            var switched = ChildProcess.run(dir, null, "db", "switchover", "--config", nodeConfig().toString());
            assertThat(switched.exitCode()).as(switched.out() + switched.err()).isZero();
        });
        outcome.report("switchover from " + primary + " (mailroom db switchover)");
        assertThat(primaryName()).isNotEqualTo(primary);
    }

    @Test
    @Order(3)
    void withTheStandbyDeadThePrimaryGoesOnAloneAndTheStandbyRejoins() throws Exception {
        awaitSynchronousStandby();
        String primary = primaryName();
        String standby = primary.equals("db1") ? "db2" : "db1";
        try {
            Outcome outcome = underLoad("standby", () -> cluster.ok("crash", standby));
            outcome.report("crash of the standby (" + standby + ")");
            assertThat(outcome.refused()).as("synchronous_mode_strict is off: the primary goes on alone").isZero();
        } finally {
            cluster.ok("run", standby);
        }
        awaitSynchronousStandby();
        assertThat(primaryName()).isEqualTo(primary);
    }

    @Test
    @Order(4)
    void withBothMembersDownEveryProtocolSaysTryAgainAndAllRecoversByItself() throws Exception {
        awaitSynchronousStandby();
        try (var idle = new IdleClient(BACK, back.imap()); var imap = LineClient.connect(BACK, back.imap())) {
            imap.socket().setSoTimeout(60_000);
            imap.await("* OK");
            imap.send("a LOGIN alice@example.test alice-password");
            imap.await("a OK");
            cluster.ok("crash", "db1");
            cluster.ok("crash", "db2");

            var smtp = sendOne("both down");
            assertThat(smtp).startsWith("451 4.3.0");
            imap.send("b SELECT INBOX");
            assertThat(imap.await("b ")).startsWith("b NO [UNAVAILABLE]");
            try (var pop = LineClient.connect(BACK, back.pop3())) {
                pop.socket().setSoTimeout(60_000);
                pop.await("+OK");
                pop.send("USER alice"); // a store looks up where the account lives already at USER
                String user = pop.in().readLine();
                if (user.startsWith("+OK")) {
                    pop.send("PASS alice-password");
                    user = pop.in().readLine();
                }
                assertThat(user).startsWith("-ERR [SYS/TEMP]");
            }
            var ready = httpStatus(front.node.adminPort(), "/readyz");
            assertThat(ready).isEqualTo(503);

            cluster.ok("run", "db1");
            cluster.ok("run", "db2");
            long back = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> sendOne("recovered").startsWith("250"));
            times.add("both members down, then started again: next accepted message " + Duration.ofNanos(System.nanoTime() - back).toMillis() + " ms after the second start");
            imap.send("c SELECT INBOX");
            assertThat(imap.await("c ")).startsWith("c OK"); // the same session, no reconnect
            awaitQueueEmpty();
            int total = inboxSubjects().size();
            await().atMost(Duration.ofSeconds(30)).until(() -> idle.exists.get() == total);
            assertThat(httpStatus(front.node.adminPort(), "/readyz")).isEqualTo(200);
        }
    }

    // --- the load and what it saw ---

    interface Action {
        void run() throws Exception;
    }

    /** What one scenario saw: every message's reply. */
    record Outcome(List<Sent> sent, List<String> times) {
        /** The longest time between two 250s, across all senders: how long intake stood still. */
        Duration longestGap() {
            long[] accepted = sent.stream().filter(s -> s.reply.startsWith("250")).mapToLong(s -> s.replied).sorted().toArray();
            long gap = 0;
            for (int i = 1; i < accepted.length; i++) gap = Math.max(gap, accepted[i] - accepted[i - 1]);
            return Duration.ofNanos(gap);
        }

        long refused() {
            return sent.stream().filter(s -> !s.reply.startsWith("250")).count();
        }

        void report(String what) {
            String line = "%s: %d accepted, %d answered 4xx, intake stood still for at most %d ms, 0 lost, 0 twice"
                    .formatted(what, sent.size() - refused(), refused(), longestGap().toMillis());
            System.out.println(line);
            times.add(line);
        }
    }

    record Sent(String subject, long started, long replied, String reply) {}

    /**
     * Runs the action while four senders deliver to the front node and a client idles on the back
     * node; then checks that what got 250 is there once, nothing is there twice, and IDLE told all.
     */
    Outcome underLoad(String label, Action action) throws Exception {
        var sent = new ConcurrentLinkedQueue<Sent>();
        var stop = new AtomicBoolean();
        var routes = front.node.storage().directory().routes();
        try (var idle = new IdleClient(BACK, back.imap())) {
            List<Thread> senders = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                int sender = i;
                senders.add(Thread.ofVirtual().start(() -> {
                    // Bounded: at most 600 messages per sender, about 40 a second each.
                    for (int n = 0; n < 600 && !stop.get(); n++) {
                        String subject = label + "-" + sender + "-" + n;
                        long started = System.nanoTime();
                        String reply;
                        try {
                            reply = sendOne(subject);
                        } catch (IOException e) {
                            reply = "connection failed: " + e.getMessage();
                        }
                        sent.add(new Sent(subject, started, System.nanoTime(), reply));
                        sleep(reply.startsWith("250") ? 25 : 500);
                    }
                }));
            }
            sleep(3_000); // mail flows before the action
            long actionAt = System.nanoTime();
            action.run();
            // Mail flows again for a while after the action (or the failover it caused).
            await().atMost(Duration.ofSeconds(60)).until(() -> sent.stream().filter(s -> s.started > actionAt && s.reply.startsWith("250")).count() >= 20);
            sleep(2_000);
            stop.set(true);
            for (var t : senders) t.join(Duration.ofSeconds(120));

            awaitQueueEmpty();
            Map<String, Integer> inbox = new HashMap<>();
            List<String> subjects = inboxSubjects();
            for (String s : subjects) inbox.merge(s, 1, Integer::sum);
            for (var s : sent) {
                int copies = inbox.getOrDefault(s.subject, 0);
                if (s.reply.startsWith("250")) assertThat(copies).as(s.subject + " was accepted").isEqualTo(1);
                else assertThat(copies).as(s.subject + " was refused (" + s.reply + ")").isLessThanOrEqualTo(1);
            }
            assertThat(inbox.values()).as("no message twice").allMatch(copies -> copies == 1);
            int total = subjects.size();
            await("the idling client heard of every message").atMost(Duration.ofSeconds(30))
                    .until(() -> idle.exists.get() == total);
            assertThat(front.node.storage().directory().routes()).as("a database failover moves no letters").isEqualTo(routes);
            await("one director leads").atMost(Duration.ofSeconds(30)).until(() -> front.node.leading() ^ back.node.leading());
            return new Outcome(List.copyOf(sent), times);
        } finally {
            stop.set(true);
        }
    }

    /**
     * Waits until the queue has handed everything on; a hand-off cut by the failover is retried after
     * 30 s (doubling), and an entry whose sorter lost track of it in the failover after its lease
     * (five minutes). On a timeout the failure lists what is still queued.
     */
    void awaitQueueEmpty() {
        try {
            await().atMost(Duration.ofSeconds(400)).pollInterval(Duration.ofSeconds(1)).until(() -> front.node.storage().queue().list().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("still queued: " + front.node.storage().queue().list(), e);
        }
    }

    /** One message to alice through the front node's MX; returns the reply to the end of DATA (or the first refusal). */
    String sendOne(String subject) throws IOException {
        try (var socket = new Socket(FRONT, front.smtp())) {
            socket.setSoTimeout(90_000); // a failover may hold a reply for up to FAILOVER_WAIT
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            String[] steps = {null, "EHLO sender.test", "MAIL FROM:<bob@remote.test>", "RCPT TO:<alice@example.test>", "DATA",
                    "Subject: " + subject + "\r\nFrom: bob@remote.test\r\n\r\nsent during a database failover test\r\n."};
            String reply = null;
            for (String step : steps) {
                if (step != null) out.write((step + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply = lastLine(in);
                if (!reply.startsWith("2") && !reply.startsWith("3")) return reply;
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return reply;
        }
    }

    private static String lastLine(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null; ) if (line.length() < 4 || line.charAt(3) != '-') return line;
        throw new IOException("connection closed");
    }

    /** Every subject in alice's INBOX, read through the back node (on the cluster's IMAP port, as ClusterTest reads it). */
    List<String> inboxSubjects() throws IOException {
        return ClusterTest.inbox(BACK, "alice").getKey();
    }

    /** An IMAP client idling on INBOX, keeping the latest EXISTS it heard. */
    static final class IdleClient implements AutoCloseable {
        final AtomicLong exists = new AtomicLong(-1);
        private final LineClient client;
        private final Thread reader;

        IdleClient(String address, int port) throws IOException {
            client = LineClient.connect(address, port);
            client.socket().setSoTimeout(0);
            client.await("* OK");
            client.send("a LOGIN alice@example.test alice-password");
            client.await("a OK");
            client.send("b SELECT INBOX");
            for (String line; !(line = client.in().readLine()).startsWith("b "); ) note(line);
            client.send("c IDLE");
            client.await("+ ");
            reader = Thread.ofVirtual().start(() -> {
                try {
                    for (String line; (line = client.in().readLine()) != null; ) note(line);
                } catch (IOException e) {
                    // closed at the end
                }
            });
        }

        private void note(String line) {
            if (line.matches("\\* \\d+ EXISTS")) exists.set(Long.parseLong(line.split(" ")[1]));
        }

        @Override
        public void close() throws Exception {
            client.close();
            reader.join(5_000);
        }
    }

    // --- the database as Mailroom sees it ---

    /** A node configuration file for `mailroom db ...`. */
    Path nodeConfig() throws IOException {
        Path file = dir.resolve("db.toml");
        Files.writeString(file, """
                [storage]
                backend = "postgres"
                url = "%s"
                user = "%s"
                password = "%s"
                """.formatted(ExampleCluster.DATABASE_URL, ExampleCluster.DATABASE_USER, ExampleCluster.DATABASE_PASSWORD));
        return file;
    }

    String primaryName() {
        return front.node.storage().databaseMembers().stream().filter(DatabaseMember::primary).map(DatabaseMember::name).findFirst().orElse("none");
    }

    String role(String member) {
        return front.node.storage().databaseMembers().stream().filter(m -> m.name().equals(member)).map(DatabaseMember::role).findFirst().orElse("absent");
    }

    void awaitSynchronousStandby() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> front.node.storage().databaseMembers().stream()
                .anyMatch(m -> m.role().equals(DatabaseMember.STANDBY) && m.state().contains("synchronous")));
    }

    static int httpStatus(int port, String path) throws IOException, InterruptedException {
        var client = java.net.http.HttpClient.newHttpClient();
        var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + FRONT + ":" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        return response.statusCode();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
