package mailroom.server;

import mailroom.storage.Accounts;
import mailroom.storage.postgres.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two whole nodes over one PostgreSQL database, as two stores of a cluster: mail taken in by one is
 * pushed to an IMAP client idling on the other, and a session that reaches a store which is not
 * its account's home is passed through to that home.
 */
class SharedPostgresTest {
    @TempDir
    Path dir;

    @Test
    void mailTakenInByOneNodeIsPushedToAnIdleClientOnTheOther() throws Exception {
        String url = TestPostgres.newDatabase();
        java.util.function.Consumer<mailroom.core.config.Config> shared = c -> {
            c.storage.backend = "postgres";
            c.storage.url = url;
            c.storage.user = "postgres";
            c.storage.password = "postgres";
            c.storage.poolSize = 4;
        };
        try (var store1 = new TestNode(dir.resolve("store1"), shared); var store2 = new TestNode(dir.resolve("store2"), shared)) {
            new Accounts(store1.node.storage(), "example.test").create("alice", "alice-password");
            try (var idle = LineClient.connect("127.0.0.1", store2.imap())) {
                idle.await("* OK");
                idle.send("a LOGIN alice@example.test alice-password");
                idle.await("a OK");
                idle.send("b SELECT INBOX");
                assertThat(idle.await("* 0 ")).isEqualTo("* 0 EXISTS");
                idle.await("b OK");
                idle.send("c IDLE");
                idle.await("+ ");

                try (var smtp = LineClient.connect("127.0.0.1", store1.smtp())) {
                    smtp.await("220 ");
                    smtp.send("EHLO test.example");
                    smtp.await("250 ");
                    smtp.send("MAIL FROM:<bob@remote.test>");
                    smtp.await("250 ");
                    smtp.send("RCPT TO:<alice@example.test>");
                    smtp.await("250 ");
                    smtp.send("DATA");
                    smtp.await("354 ");
                    smtp.send("Subject: across the cluster\r\n\r\nfiled by store1, seen on store2\r\n.");
                    smtp.await("250 ");
                    long accepted = System.nanoTime();
                    assertThat(idle.await("* ")).isEqualTo("* 1 EXISTS");
                    Duration took = Duration.ofNanos(System.nanoTime() - accepted);
                    assertThat(took).as("from 250 on store1 to EXISTS on store2").isLessThan(Duration.ofSeconds(1));
                }
                idle.send("DONE");
                idle.await("c OK");
            }
            try (var pop = LineClient.connect("127.0.0.1", store2.pop3())) {
                pop.await("+OK");
                pop.send("USER alice@example.test");
                pop.await("+OK");
                pop.send("PASS alice-password");
                pop.await("+OK");
                pop.send("RETR 1");
                pop.await("+OK");
                assertThat(pop.await("filed by")).isEqualTo("filed by store1, seen on store2");
            }
        }
    }

    /** A node of a two-store cluster on its own loopback address, with the same ports as the other. */
    private static java.util.function.Consumer<mailroom.core.config.Config> node(String url, String name, String address, int imap, int pop3) {
        return c -> {
            c.storage.backend = "postgres";
            c.storage.url = url;
            c.storage.user = "postgres";
            c.storage.password = "postgres";
            c.storage.poolSize = 4;
            c.node.name = name;
            c.node.bind = address;
            c.node.hostname = name + ".example.test";
            c.imap.port = imap;
            c.pop3.port = pop3;
        };
    }

    /** LOGIN, then the server's answer and its goodbye, which names the store that served the session. */
    private static String[] imapSession(String address, int port, String user) throws IOException {
        try (var c = LineClient.connect(address, port)) {
            String greeting = c.await("* OK");
            c.send("a LOGIN " + user + " " + user.substring(0, user.indexOf('@')) + "-password");
            String ok = c.await("a ");
            c.send("b SELECT INBOX");
            String selected = c.await("b ");
            c.send("z LOGOUT");
            String bye = c.await("* BYE");
            return new String[] {greeting, ok, selected, bye};
        }
    }

    /** Issue 18: the owner at home on store1, a reader at home on store2; each sees the other's changes as they happen. */
    @Test
    void aSharedMailboxIsLiveForItsOwnerAndAReaderOnDifferentStores() throws Exception {
        String url = TestPostgres.newDatabase();
        int imap = ChildProcess.freePort(), pop3 = ChildProcess.freePort();
        try (var store1 = new TestNode(dir.resolve("store1"), node(url, "store1", "127.0.20.1", imap, pop3));
             var store2 = new TestNode(dir.resolve("store2"), node(url, "store2", "127.0.20.2", imap, pop3))) {
            var accounts = new Accounts(store1.node.storage(), "example.test");
            var alice = accounts.create("alice", "alice-password");
            accounts.create("bob", "bob-password");
            store1.node.storage().directory().setRoutes(java.util.Map.of("a", "store1", "b", "store2"));
            Thread.sleep(1100); // the stores read routes at most once a second
            var inbox = store1.node.storage().mail().mailbox(alice.id(), "INBOX").orElseThrow();
            store1.node.storage().sharing().setRights(alice.id(), inbox.id(), "bob@example.test", new mailroom.storage.sharing.Rights("lrsw"));

            try (var owner = LineClient.connect("127.0.20.1", imap); var reader = LineClient.connect("127.0.20.2", imap)) {
                assertThat(owner.await("* OK")).contains("store1");
                owner.send("a LOGIN alice@example.test alice-password");
                owner.await("a OK");
                owner.send("b SELECT INBOX");
                owner.await("b OK");
                assertThat(reader.await("* OK")).contains("store2");
                reader.send("a LOGIN bob@example.test bob-password");
                reader.await("a OK");
                reader.send("b SELECT \"Other Users/alice/INBOX\"");
                assertThat(reader.await("* 0 ")).isEqualTo("* 0 EXISTS");
                reader.await("b OK [READ-WRITE]");
                reader.send("c IDLE");
                reader.await("+ ");

                owner.send("c APPEND INBOX {26+}\r\nSubject: for bob\r\n\r\nhello");
                owner.await("c OK");
                long appended = System.nanoTime();
                assertThat(reader.await("* ")).isEqualTo("* 1 EXISTS");
                assertThat(Duration.ofNanos(System.nanoTime() - appended)).as("from alice's APPEND on store1 to EXISTS on store2").isLessThan(Duration.ofSeconds(1));
                reader.send("DONE");
                reader.await("c OK");

                owner.send("d IDLE");
                owner.await("+ ");
                reader.send("d STORE 1 +FLAGS (\\Flagged)");
                reader.await("d OK");
                long flagged = System.nanoTime();
                assertThat(owner.await("* 1 FETCH")).contains("\\Flagged").doesNotContain("\\Seen");
                assertThat(Duration.ofNanos(System.nanoTime() - flagged)).as("from bob's STORE on store2 to FETCH on store1").isLessThan(Duration.ofSeconds(1));
                owner.send("DONE");
                owner.await("d OK");
            }
        }
    }

    @Test
    void aStoreThatIsNotTheAccountsHomePassesTheSessionThrough() throws Exception {
        String url = TestPostgres.newDatabase();
        int imap = ChildProcess.freePort(), pop3 = ChildProcess.freePort(), lmtp = ChildProcess.freePort(), sievePort = ChildProcess.freePort();
        java.util.function.Consumer<mailroom.core.config.Config> samePorts = c -> {
            c.lmtp.port = lmtp;
            c.sieve.port = sievePort;
        };
        try (var store1 = new TestNode(dir.resolve("store1"), node(url, "store1", "127.0.1.1", imap, pop3).andThen(samePorts));
             var store2 = new TestNode(dir.resolve("store2"), node(url, "store2", "127.0.1.2", imap, pop3).andThen(samePorts))) {
            var accounts = new Accounts(store1.node.storage(), "example.test");
            accounts.create("alice", "alice-password");
            accounts.create("bob", "bob-password");
            var directory = store1.node.storage().directory();
            directory.setRoutes(java.util.Map.of("a", "store2", "b", "store1"));
            Thread.sleep(1100); // the stores read routes at most once a second

            String[] alice = imapSession("127.0.1.1", imap, "alice@example.test");
            assertThat(alice[0]).contains("store1.example.test");
            assertThat(alice[1]).startsWith("a OK [CAPABILITY IMAP4rev1");
            assertThat(alice[2]).startsWith("b OK [READ-WRITE]");
            assertThat(alice[3]).as("served by its home, store2").isEqualTo("* BYE store2.example.test logging out");
            String[] bob = imapSession("127.0.1.1", imap, "bob@example.test");
            assertThat(bob[3]).as("bob's home is store1 itself").isEqualTo("* BYE store1.example.test logging out");
            assertThat(alice[1]).as("the same capabilities either way").isEqualTo(bob[1]);

            try (var pop = LineClient.connect("127.0.1.1", pop3)) {
                pop.await("+OK store1");
                pop.send("USER alice@example.test");
                pop.await("+OK");
                pop.send("PASS alice-password");
                assertThat(pop.await("+OK")).startsWith("+OK Logged in");
                pop.send("STAT");
                assertThat(pop.await("+OK")).isEqualTo("+OK 0 0");
                pop.send("QUIT");
                assertThat(pop.await("+OK")).startsWith("+OK store2.example.test signing off");
            }

            try (var sieve = LineClient.connect("127.0.1.1", sievePort)) { // ManageSieve with PLAIN: passed on too
                assertThat(sieve.await("OK")).contains("store1.example.test");
                sieve.send("AUTHENTICATE \"PLAIN\" \"" + java.util.Base64.getEncoder().encodeToString("\0alice@example.test\0alice-password".getBytes()) + "\"");
                assertThat(sieve.await("OK")).isEqualTo("OK \"Logged in\"");
                sieve.send("LOGOUT");
                assertThat(sieve.await("OK")).isEqualTo("OK \"store2.example.test logging out\"");
            }

            // LMTP from outside the cluster (an MTA of the site) to a store that is not alice's home: passed on
            try (var t = LineClient.connect("127.0.1.1", lmtp)) {
                t.await("220 ");
                t.send("LHLO mta.test");
                t.await("250 ");
                t.send("MAIL FROM:<friend@remote.test>");
                t.await("250 ");
                t.send("RCPT TO:<alice@example.test>");
                t.await("250 ");
                t.send("DATA");
                t.await("354 ");
                t.send("Subject: by LMTP\r\n\r\nto the wrong store\r\n.");
                assertThat(t.await("")).startsWith("250 2.0.0 <alice@example.test>");
            }
            var aliceMail = rawMessages(store1.node.storage(), accounts, "alice");
            assertThat(aliceMail).hasSize(1);
            assertThat(aliceMail.getFirst()).contains("by store1.example.test (Mailroom) with LMTP").contains("by store2.example.test (Mailroom) with LMTP");

            directory.setAccountRoute(accounts.find("bob@example.test").orElseThrow().id(), "store2");
            Thread.sleep(1100);
            assertThat(imapSession("127.0.1.2", imap, "bob@example.test")[3]).as("reached directly at its new home").isEqualTo("* BYE store2.example.test logging out");
            assertThat(imapSession("127.0.1.1", imap, "bob@example.test")[3]).as("an account routed apart from its letter").isEqualTo("* BYE store2.example.test logging out");

            store2.close(); // its heartbeat is still fresh: store1 tries it, finds nobody, and serves the session itself
            assertThat(imapSession("127.0.1.1", imap, "alice@example.test")[3]).isEqualTo("* BYE store1.example.test logging out");
        }
    }

    @Test
    void aSorterHandsLocalMailToTheHomeStoreOverLmtpAndFilesItItselfWhenNoStoreAnswers() throws Exception {
        String url = TestPostgres.newDatabase();
        int imap = ChildProcess.freePort(), pop3 = ChildProcess.freePort(), lmtp = ChildProcess.freePort();
        java.util.function.Consumer<mailroom.core.config.Config> sorterRole = node(url, "sorter1", "127.0.2.1", imap, pop3)
                .andThen(c -> { c.node.roles = java.util.List.of("sorter"); c.lmtp.port = lmtp; });
        java.util.function.Consumer<mailroom.core.config.Config> storeRole = node(url, "store1", "127.0.1.1", imap, pop3)
                .andThen(c -> { c.node.roles = java.util.List.of("store"); c.lmtp.port = lmtp; });
        try (var store = new TestNode(dir.resolve("store1"), storeRole); var sorter = new TestNode(dir.resolve("sorter1"), sorterRole)) {
            var storage = sorter.node.storage(); // the sorter's view of the shared database outlives the store
            var accounts = new Accounts(storage, "example.test");
            accounts.create("alice", "alice-password");
            storage.directory().setRoutes(java.util.Map.of("a", "store1"));
            Thread.sleep(1100); // the sorter reads routes at most once a second

            LineClient.sendMail("127.0.2.1", sorter.smtp(), "friend@remote.test", "alice@example.test", "through the home store");
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> rawMessages(storage, accounts, "alice").size() == 1);
            assertThat(rawMessages(storage, accounts, "alice").getFirst()).as("handed over by LMTP to store1")
                    .contains("by store1.example.test (Mailroom) with LMTP").contains("Return-Path: <friend@remote.test>");

            store.close(); // no store answers LMTP now: the sorter files the mail itself, without delay
            LineClient.sendMail("127.0.2.1", sorter.smtp(), "friend@remote.test", "alice@example.test", "while no store answers");
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> rawMessages(storage, accounts, "alice").size() == 2);
            assertThat(rawMessages(storage, accounts, "alice").get(1)).contains("Subject: while no store answers").doesNotContain("with LMTP");
        }
    }

    /** Every message in the account's INBOX, as stored. */
    private static java.util.List<String> rawMessages(mailroom.storage.Storage storage, Accounts accounts, String user) throws IOException {
        long id = accounts.find(user + "@example.test").orElseThrow().id();
        long inbox = storage.mail().mailbox(id, "INBOX").orElseThrow().id();
        java.util.List<String> out = new java.util.ArrayList<>();
        for (var m : storage.mail().messages(id, inbox)) out.add(new String(storage.blobs().read(m.blobId()), java.nio.charset.StandardCharsets.UTF_8));
        return out;
    }
}
