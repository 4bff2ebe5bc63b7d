package mailroom.server;

import mailroom.smtp.Dkim;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.MessageSummary;
import mailroom.storage.Storage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sieve at delivery, end to end: mail taken in over SMTP is filed, flagged, refused, redirected
 * and answered as the recipient's active script says; vacation replies go once per sender and
 * period, never to lists or bounces, DKIM-signed and delivered.
 */
class SieveDeliveryTest {
    @TempDir
    Path dir;
    TestNode node;
    Storage storage;
    Account alice, bob, carol;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        storage = node.node.storage();
        var accounts = new Accounts(storage, "example.test");
        alice = accounts.create("alice", "alice-password");
        bob = accounts.create("bob", "bob-password");
        carol = accounts.create("carol", "carol-password");
        storage.directory().setDkimKey(Dkim.generate("example.test", "mr1"));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private void activate(Account account, String script) {
        storage.sieve().put(account.id(), "rules", script);
        assertThat(storage.sieve().activate(account.id(), "rules")).isTrue();
    }

    /** One message over SMTP; returns the reply to the end of DATA. */
    private String send(String from, String to, String headers, String body) throws Exception {
        return LineClient.transaction("127.0.0.1", node.smtp(), from, to,
                headers + "To: " + to + "\r\nMessage-ID: <" + java.util.UUID.randomUUID() + "@example.net>\r\n\r\n" + body);
    }

    private List<MessageSummary> messages(Account account, String mailbox) {
        return storage.mail().mailbox(account.id(), mailbox).map(box -> storage.mail().messages(account.id(), box.id())).orElse(List.of());
    }

    private String text(MessageSummary m) throws Exception {
        return new String(storage.blobs().read(m.blobId()), StandardCharsets.UTF_8);
    }

    private void awaitCount(Account account, String mailbox, int count) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(messages(account, mailbox)).hasSize(count));
    }

    @Test
    void rulesFileFlagAndSortBySubaddress() throws Exception {
        storage.mail().createMailbox(alice.id(), "Work", null);
        activate(alice, """
                require ["fileinto", "imap4flags", "envelope", "subaddress", "mailbox", "variables"];
                if header :contains "Subject" "[work]" { fileinto :flags "\\\\Flagged" "Work"; stop; }
                if envelope :detail :matches "to" "*" { fileinto :create "plus/${1}"; stop; }
                if header :contains "Subject" "[nowhere]" { fileinto "Missing"; stop; }
                addflag "$seenbyrules";
                """);
        assertThat(send("someone@example.net", "alice@example.test", "Subject: [work] report\r\n", "numbers")).startsWith("250 ");
        assertThat(send("someone@example.net", "alice+news@example.test", "Subject: weekly\r\n", "news")).startsWith("250 ");
        assertThat(send("someone@example.net", "alice@example.test", "Subject: [nowhere] lost?\r\n", "kept")).startsWith("250 ");
        assertThat(send("someone@example.net", "alice@example.test", "Subject: hello\r\n", "hi")).startsWith("250 ");

        awaitCount(alice, "Work", 1);
        assertThat(messages(alice, "Work").get(0).flags()).contains("\\Flagged");
        awaitCount(alice, "plus/news", 1);
        awaitCount(alice, "INBOX", 2); // the failed fileinto kept its message in INBOX, nothing lost
        assertThat(storage.mail().mailbox(alice.id(), "Missing")).isEmpty();
        assertThat(messages(alice, "INBOX")).anySatisfy(m -> assertThat(m.flags()).contains("$seenbyrules"));
    }

    @Test
    void vacationAnswersOncePerSenderAndNeverListsOrBounces() throws Exception {
        activate(alice, """
                require ["vacation", "fileinto"];
                vacation :days 7 :subject "Out of office" "I am away until Monday.";
                """);
        assertThat(send("bob@example.test", "alice@example.test", "From: Bob <bob@example.test>\r\nSubject: lunch?\r\n", "lunch")).startsWith("250 ");
        awaitCount(bob, "INBOX", 1);
        String reply = text(messages(bob, "INBOX").get(0));
        assertThat(reply).contains("Subject: Out of office", "Auto-Submitted: auto-replied", "In-Reply-To: <", "I am away until Monday.",
                "From: <alice@example.test>", "Return-Path: <>");
        var key = storage.directory().dkimKey("example.test").orElseThrow();
        var verifier = new org.apache.james.jdkim.DKIMVerifier((method, selector, domain) -> List.of(Dkim.dnsRecord(key)[1]));
        assertThat(verifier.verify(new java.io.ByteArrayInputStream(reply.getBytes(StandardCharsets.UTF_8))))
                .singleElement().satisfies(signature -> assertThat(signature.getDToken()).isEqualTo("example.test"));

        // Again from bob: no second reply within the period. A list message and a bounce: none at all.
        assertThat(send("bob@example.test", "alice@example.test", "From: bob@example.test\r\nSubject: lunch!\r\n", "lunch")).startsWith("250 ");
        assertThat(send("carol@example.test", "alice@example.test", "From: carol@example.test\r\nList-Id: <staff.example.test>\r\nSubject: staff news\r\n", "news")).startsWith("250 ");
        assertThat(send("", "alice@example.test", "From: MAILER-DAEMON@example.net\r\nSubject: Undelivered Mail\r\n", "bounce")).startsWith("250 ");
        awaitCount(alice, "INBOX", 4);
        Thread.sleep(3000); // the queue runner polls every second: time enough for a wrong reply to arrive
        assertThat(messages(bob, "INBOX")).hasSize(1);
        assertThat(messages(carol, "INBOX")).isEmpty();
    }

    @Test
    void rejectBouncesToTheSenderAndRedirectForwardsWithoutLooping() throws Exception {
        activate(alice, """
                require ["reject"];
                if header :contains "Subject" "offer" { reject "No offers, thank you."; stop; }
                redirect "bob@example.test";
                """);
        activate(bob, "redirect \"alice@example.test\";\n"); // a loop: alice -> bob -> alice
        assertThat(send("carol@example.test", "alice@example.test", "From: carol@example.test\r\nSubject: special offer\r\n", "buy")).startsWith("250 ");
        awaitCount(carol, "INBOX", 1);
        String bounce = text(messages(carol, "INBOX").get(0));
        assertThat(bounce).contains("Undelivered Mail Returned to Sender", "5.7.1", "No offers, thank you.");
        assertThat(messages(alice, "INBOX")).isEmpty();

        assertThat(send("carol@example.test", "alice@example.test", "From: carol@example.test\r\nSubject: hello\r\n", "hi")).startsWith("250 ");
        awaitCount(alice, "INBOX", 1); // back at alice, seen as a loop and kept
        String looped = text(messages(alice, "INBOX").get(0));
        assertThat(looped).contains("Delivered-To: alice@example.test", "Delivered-To: bob@example.test", "Subject: hello");
        assertThat(messages(bob, "INBOX")).isEmpty();
    }
}
