package mailroom.smtp;

import mailroom.core.testing.Transcript;
import mailroom.storage.Directory;
import mailroom.storage.Queue;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The queue at work: retries, notices to the sender, aliases and forwards, LMTP and CHUNKING. */
class QueueDeliveryTest extends SmtpTestServer {

    @Test
    void aTemporaryFailureIsRetriedUntilItSucceeds() throws Exception {
        sink.refuse("dave@remote.test", "451 4.3.0 greylisted, try later", 2);
        submit("alice@example.test", "password-alice", List.of("dave@remote.test"), "Subject: test\r\n\r\nretry me");
        await().atMost(Duration.ofSeconds(5)).until(() -> !storage.queue().list().isEmpty()
                && storage.queue().list().get(0).recipients().get(0).attempts() >= 1);
        assertThat(storage.queue().list().get(0).recipients().get(0).lastError()).contains("451 4.3.0 greylisted");
        await().atMost(Duration.ofSeconds(15)).until(() -> sink.messages.size() == 1);
        assertThat(sink.messages.get(0).data()).contains("retry me");
        await().atMost(Duration.ofSeconds(5)).until(() -> storage.queue().list().isEmpty());
        assertThat(inbox("alice")).as("no notice: it was delivered in the end").isEmpty();
    }

    @Test
    void aPermanentFailureReturnsADeliveryStatusNotification() throws Exception {
        sink.refuse("nobody@remote.test", "550 5.1.1 no such user here", 100);
        submit("alice@example.test", "password-alice", List.of("nobody@remote.test", "carol@remote.test"), "Subject: test\r\n\r\nbounce me");
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox("alice").size() == 1);
        String notice = stored(inbox("alice").get(0));
        assertThat(notice).startsWith("Return-Path: <>")
                .contains("From: Mail Delivery System <MAILER-DAEMON@mail.example.test>")
                .contains("Content-Type: multipart/report; report-type=delivery-status")
                .contains("Content-Type: message/delivery-status")
                .contains("Final-Recipient: rfc822; nobody@remote.test")
                .contains("Action: failed").contains("Status: 5.1.1")
                .contains("Diagnostic-Code: smtp; 550 5.1.1 no such user here")
                .doesNotContain("Final-Recipient: rfc822; carol@remote.test")
                .contains("Content-Type: message/rfc822").contains("bounce me");
        assertThat(sink.messages).hasSize(1);
        assertThat(sink.messages.get(0).recipients()).containsExactly("carol@remote.test");
        assertThat(storage.queue().list()).isEmpty();
    }

    @Test
    void aNoticeIsNeverSentAboutANotice() throws Exception {
        sink.refuse("gone@remote.test", "550 5.1.1 gone", 100);
        String blob;
        try (var w = storage.blobs().create()) {
            w.stream().write("Subject: a bounce\r\n\r\nbody\r\n".getBytes());
            blob = w.commit();
        }
        storage.queue().enqueue(Queue.Envelope.of("", List.of("gone@remote.test")), blob, Instant.now());
        await().atMost(Duration.ofSeconds(10)).until(() -> storage.queue().list().isEmpty());
        Thread.sleep(500);
        assertThat(storage.queue().list()).isEmpty();
        assertThat(inbox("postmaster")).isEmpty();
    }

    @Test
    void successNoticesWhenAskedAndRetEnvidCarriedIntoTheReport() throws Exception {
        try (var t = connect()) {
            t.send("EHLO client.test").expectReply("250 ");
            t.play("""
                    C: MAIL FROM:<alice@example.test> RET=HDRS ENVID=abc+2Bdef
                    S: 250 2.1.0
                    C: RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Bx@example.test
                    S: 250 2.1.5
                    C: DATA
                    S: 354
                    C: Subject: tell me
                    C:
                    C: the body stays home
                    C: .
                    S: 250 2.0.0
                    """);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox("alice").size() == 1);
        String notice = stored(inbox("alice").get(0));
        assertThat(notice).contains("Action: delivered").contains("Original-Envelope-Id: abc+def")
                .contains("Original-Recipient: rfc822;bob+x@example.test").contains("Content-Type: text/rfc822-headers")
                .contains("Subject: tell me").doesNotContain("the body stays home");
        assertThat(inbox("bob")).hasSize(1);
    }

    @Test
    void aliasesListsForwardsCatchAllPlusAndRoleAddresses() throws Exception {
        storage.directory().setAlias(new Directory.Alias("team", "example.test", List.of("alice@example.test", "bob@example.test", "carol@remote.test")));
        storage.directory().setAlias(new Directory.Alias("help", "example.test", List.of("team@example.test")));
        try (var t = connect()) {
            t.send("EHLO client.test").expectReply("250 ");
            for (String rcpt : List.of("help@example.test", "bob+news@example.test", "abuse@example.test")) {
                t.send("MAIL FROM:<x@outside.test>").expect("250");
                t.send("RCPT TO:<" + rcpt + ">").expect("250");
                t.send("DATA").expect("354");
                t.send("Subject: to " + rcpt + "\r\n\r\nhi\r\n.").expect("250");
            }
            t.send("MAIL FROM:<x@outside.test>").expect("250");
            t.send("RCPT TO:<whoever@example.test>").expect("550 5.1.1");
            storage.directory().setAlias(new Directory.Alias(Directory.Alias.CATCH_ALL, "example.test", List.of("bob@example.test")));
            t.send("RCPT TO:<whoever@example.test>").expect("250");
            t.send("DATA").expect("354");
            t.send("Subject: caught\r\n\r\nhi\r\n.").expect("250");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.messages.size() == 1);
        assertThat(inbox("alice")).hasSize(1);
        assertThat(inbox("bob")).hasSize(3); // the list, the +news copy, the catch-all
        assertThat(inbox("postmaster")).hasSize(1); // abuse@
        assertThat(sink.messages.get(0).recipients()).containsExactly("carol@remote.test");
        assertThat(sink.messages.get(0).sender()).isEqualTo("x@outside.test");
    }

    @Test
    void lmtpAnswersEachRecipientOnItsOwn() throws Exception {
        accounts.setQuota("bob", 100);
        try (var t = new Transcript("127.0.0.1", lmtp.port())) {
            t.expect("220 mail.example.test LMTP");
            t.send("EHLO sorter.test").expect("500 5.5.1");
            t.send("LHLO sorter.test");
            assertThat(t.expectReply("250 ")).contains("250-PIPELINING", "250 CHUNKING");
            t.play("""
                    C: MAIL FROM:<x@outside.test>
                    S: 250 2.1.0
                    C: RCPT TO:<alice@example.test>
                    S: 250 2.1.5
                    C: RCPT TO:<nobody@example.test>
                    S: 550 5.1.1
                    C: RCPT TO:<bob@example.test>
                    S: 250 2.1.5
                    C: RCPT TO:<postmaster@example.test>
                    S: 250 2.1.5
                    C: DATA
                    S: 354
                    """);
            t.send("Subject: per recipient\r\n\r\n" + "x".repeat(500) + "\r\n.");
            t.expect("250 2.0.0 <alice@example.test>");
            t.expect("452 4.2.2 <bob@example.test>: Mailbox full");
            t.expect("250 2.0.0 <postmaster@example.test>");
            t.send("NOOP").expect("250");
        }
        assertThat(inbox("alice")).hasSize(1);
        assertThat(inbox("bob")).isEmpty();
        assertThat(stored(inbox("alice").get(0))).startsWith("Return-Path: <x@outside.test>\r\nReceived: from sorter.test").contains("with LMTP");
    }

    @Test
    void lmtpWithAQueueTokenFilesEachAccountOnceHoweverOftenItIsRetried() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) { // a sorter that died after DATA and tried again
            try (var t = new Transcript("127.0.0.1", lmtp.port())) {
                t.expect("220");
                t.send("LHLO sorter.test");
                assertThat(t.expectReply("250 ")).contains("250-XQUEUE");
                t.send("MAIL FROM:<x@outside.test> XQUEUE=4f6c1e2a-0b7d-4c53-9a61-2d0e8f3b7c11").expect("250 2.1.0");
                t.send("RCPT TO:<alice@example.test>").expect("250");
                t.send("DATA").expect("354");
                t.send("Subject: handed over\r\n\r\nonce\r\n.");
                t.expect("250 2.0.0 <alice@example.test>");
            }
        }
        assertThat(inbox("alice")).as("filed once").hasSize(1);
        try (var t = new Transcript("127.0.0.1", lmtp.port())) {
            t.expect("220");
            t.send("LHLO sorter.test").expectReply("250 ");
            t.send("MAIL FROM:<x@outside.test> XQUEUE=not/a/token").expect("555 5.5.4");
        }
        try (var t = connect()) { // not on the SMTP side
            t.send("EHLO client.test").expectReply("250 ");
            t.send("MAIL FROM:<x@outside.test> XQUEUE=abc").expect("555 5.5.4 Unsupported parameter XQUEUE");
        }
    }

    @Test
    void chunkingTakesBdatInPieces() throws Exception {
        try (var t = connect()) {
            t.send("EHLO client.test").expectReply("250 ");
            t.send("MAIL FROM:<x@outside.test>").expect("250");
            t.send("RCPT TO:<alice@example.test>").expect("250");
            byte[] first = "Subject: chunks\r\n\r\n.a line with a dot\r\n".getBytes();
            t.sendRaw(("BDAT " + first.length + "\r\n").getBytes());
            t.sendRaw(first);
            t.expect("250 2.0.0 " + first.length + " octets received");
            t.send("DATA").expect("503 5.5.1");
            t.sendRaw("BDAT 5 LAST\r\nend\r\n".getBytes());
            t.expect("250 2.0.0 Ok: queued");
            t.send("MAIL FROM:<x@outside.test>").expect("250");
            t.send("RCPT TO:<alice@example.test>").expect("250");
            t.sendRaw(("BDAT 70000 LAST\r\n" + "y".repeat(70000)).getBytes());
            t.expect("552 5.3.4");
            t.send("NOOP").expect("250");
        }
        assertThat(inbox("alice")).hasSize(1);
        assertThat(stored(inbox("alice").get(0))).endsWith("Subject: chunks\r\n\r\n.a line with a dot\r\nend\r\n");
    }
}
