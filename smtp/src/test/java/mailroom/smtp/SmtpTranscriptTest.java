package mailroom.smtp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** SMTP protocol corners as conversations: client line (C:), the start of the server's line (S:). */
class SmtpTranscriptTest extends SmtpTestServer {

    @Test
    void ehloAdvertisesTheExtensionsThatAreServed() throws Exception {
        try (var t = connect()) {
            t.send("EHLO client.test");
            assertThat(t.expectReply("250 ")).containsExactly("250-mail.example.test greets client.test",
                    "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-SIZE 65536", "250-8BITMIME", "250-SMTPUTF8", "250-DSN", "250 CHUNKING");
        }
    }

    @Test
    void badCommandsInEveryStateAreRefusedAndTheSessionGoesOn() throws Exception {
        try (var t = connect()) {
            t.play("""
                    # before HELO/EHLO
                    C: FROB
                    S: 500 5.5.1
                    C: MAIL FROM:<carol@remote.test>
                    S: 503 5.5.1
                    C: RCPT TO:<alice@example.test>
                    S: 503 5.5.1
                    C: DATA
                    S: 503 5.5.1
                    C: EHLO
                    S: 501 5.5.4
                    C: NOOP
                    S: 250 2.0.0
                    C: HELO client.test
                    S: 250 mail.example.test
                    # greeted, no transaction
                    C: RCPT TO:<alice@example.test>
                    S: 503 5.5.1
                    C: DATA
                    S: 503 5.5.1
                    C: MAIL FROM:carol@remote.test
                    S: 501 5.1.7
                    C: MAIL FROM:<carol@remote.test> FOO=BAR
                    S: 555 5.5.4
                    C: MAIL FROM:<carol@remote.test> SIZE=lots
                    S: 501 5.5.4
                    C: MAIL FROM:<carol@remote.test> BODY=BINARYMIME
                    S: 501 5.5.4
                    C: MAIL FROM:<carol@remote.test>
                    S: 250 2.1.0
                    # in a transaction, no recipient yet
                    C: MAIL FROM:<carol@remote.test>
                    S: 503 5.5.1
                    C: DATA
                    S: 503 5.5.1
                    C: RCPT TO:<>
                    S: 501 5.1.3
                    C: RCPT TO:<alice@example.test> NOTIFY=SOMETIMES
                    S: 501 5.5.4
                    C: RCPT TO:<alice@example.test> FOO=BAR
                    S: 555 5.5.4
                    C: RCPT TO:<alice@example.test>
                    S: 250 2.1.5
                    # with a recipient
                    C: DATA now
                    S: 501 5.5.4
                    C: MAIL FROM:<carol@remote.test>
                    S: 503 5.5.1
                    C: DATA
                    S: 354
                    C: Subject: still works
                    C:
                    C: hello
                    C: .
                    S: 250 2.0.0
                    C: QUIT
                    S: 221 2.0.0
                    """);
            assertThat(t.closedByServer()).isTrue();
        }
        assertThat(inbox("alice")).hasSize(1);
    }

    @Test
    void neverRelaysForUnauthenticatedClients() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: EHLO attacker.test
                    S: 250
                    C: MAIL FROM:<spammer@remote.test>
                    S: 250
                    C: RCPT TO:<victim@remote.test>
                    S: 554 5.7.1
                    C: RCPT TO:<victim%remote.test@example.test>
                    S: 550 5.1.1
                    C: RCPT TO:<"victim@remote.test"@example.test>
                    S: 550 5.1.1
                    C: RCPT TO:<@example.test:victim@remote.test>
                    S: 554 5.7.1
                    C: RCPT TO:<@example.test,@mail.example.test:victim@remote.test>
                    S: 554 5.7.1
                    C: RCPT TO:<remote.test!victim@example.test>
                    S: 550 5.1.1
                    C: RCPT TO:<victim@remote.test@example.test>
                    S: 501 5.1.3
                    C: RCPT TO:<victim@[192.0.2.1]>
                    S: 554 5.7.1
                    C: RCPT TO:<victim@example.test.remote.test>
                    S: 554 5.7.1
                    C: RCPT TO:<nobody@example.test>
                    S: 550 5.1.1
                    C: DATA
                    S: 503 5.5.1
                    """);
        }
    }

    @Test
    void postmasterIsAlwaysAccepted() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: HELO client.test
                    S: 250
                    C: MAIL FROM:<>
                    S: 250 2.1.0
                    C: RCPT TO:<Postmaster>
                    S: 250 2.1.5
                    C: RCPT TO:<PostMaster@Example.Test>
                    S: 250 2.1.5
                    C: RCPT TO:<alice+lists@example.test>
                    S: 250 2.1.5
                    C: DATA
                    S: 354
                    C: Subject: bounce
                    C:
                    C: .
                    S: 250
                    """);
        }
        assertThat(inbox("postmaster")).hasSize(1);
        assertThat(inbox("alice")).hasSize(1);
        assertThat(stored(inbox("alice").get(0))).startsWith("Return-Path: <>\r\n");
    }

    @Test
    void dataIsUnstuffedAndFiledBehindTraceHeaders() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: EHLO client.test
                    S: 250
                    C: MAIL FROM:<carol@remote.test>
                    S: 250
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    C: RCPT TO:<bob@example.test>
                    S: 250
                    C: DATA
                    S: 354
                    C: Subject: dots
                    C:
                    C: ..leading dot
                    C: ...
                    C: last line
                    C: .
                    S: 250 2.0.0
                    """);
        }
        String stored = stored(inbox("alice").get(0));
        assertThat(stored).startsWith("Return-Path: <carol@remote.test>\r\nReceived: from client.test ([127.0.0.1])\r\n\tby mail.example.test (Mailroom) with ESMTP id ");
        assertThat(stored).endsWith("Subject: dots\r\n\r\n.leading dot\r\n..\r\nlast line\r\n");
        assertThat(stored).doesNotContain("for <"); // two recipients share one copy, so no "for" clause
        assertThat(inbox("bob").get(0).blobId()).isEqualTo(inbox("alice").get(0).blobId());
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        try (var t = connect()) {
            t.sendRaw(("EHLO client.test\r\nMAIL FROM:<carol@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
                    + "RCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
            t.expectReply("250 ");
            t.play("""
                    S: 250 2.1.0
                    S: 250 2.1.5
                    S: 550 5.1.1
                    S: 250 2.1.5
                    S: 354
                    """);
            t.sendRaw("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            t.play("""
                    S: 250 2.0.0
                    S: 221
                    """);
        }
        assertThat(inbox("alice")).hasSize(1);
        assertThat(inbox("bob")).hasSize(1);
    }

    @Test
    void sizeAndLineLimitsAreEnforcedWithoutEndingTheSession() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: EHLO client.test
                    S: 250
                    C: MAIL FROM:<carol@remote.test> SIZE=1000000
                    S: 552 5.3.4
                    C: MAIL FROM:<carol@remote.test> SIZE=1000
                    S: 250
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    C: DATA
                    S: 354
                    """);
            String line = "x".repeat(998) + "\r\n";
            t.sendRaw(line.repeat(80).getBytes(StandardCharsets.US_ASCII)); // ~80 KB > 64 KB
            t.play("""
                    C: .
                    S: 552 5.3.4
                    C: NOOP
                    S: 250
                    """);
            t.send("NOOP " + "y".repeat(5000)).expect("500 5.5.2");
            t.play("""
                    C: MAIL FROM:<carol@remote.test>
                    S: 250
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    C: DATA
                    S: 354
                    """);
            t.send("z".repeat(10_000));
            t.play("""
                    C: .
                    S: 552 5.3.4
                    C: RSET
                    S: 250
                    """);
        }
        assertThat(inbox("alice")).isEmpty();
    }

    @Test
    void utf8AddressesNeedSmtpUtf8() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: EHLO client.test
                    S: 250
                    C: MAIL FROM:<jörg@bücher.test>
                    S: 501
                    C: MAIL FROM:<jörg@bücher.test> SMTPUTF8 BODY=8BITMIME
                    S: 250
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    C: DATA
                    S: 354
                    C: Subject: Grüße
                    C:
                    C: Schöne Grüße
                    C: .
                    S: 250
                    """);
        }
        assertThat(stored(inbox("alice").get(0))).contains("with UTF8SMTP id").endsWith("Subject: Grüße\r\n\r\nSchöne Grüße\r\n");
    }

    @Test
    void informationalCommands() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: VRFY alice
                    S: 252 2.5.0
                    C: EXPN staff
                    S: 502 5.5.1
                    C: HELP
                    S: 214 2.0.0 Commands: EHLO HELO STARTTLS MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY EXPN HELP
                    C: RSET
                    S: 250 2.0.0
                    """);
        }
    }

    @Test
    void startTlsUpgradesAndDiscardsPlaintextPipelinedBehindIt() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: EHLO client.test
                    S: 250
                    """);
            // An attacker's command injected after STARTTLS in the same packet must not run (CVE-2011-0411).
            t.sendRaw("STARTTLS\r\nRSET\r\n".getBytes(StandardCharsets.US_ASCII));
            t.expect("220 2.0.0");
            t.startTls();
            t.send("EHLO client.test");
            var lines = t.expectReply("250 ");
            assertThat(lines.get(0)).isEqualTo("250-mail.example.test greets client.test");
            assertThat(lines).noneMatch(l -> l.contains("STARTTLS"));
            t.play("""
                    C: STARTTLS
                    S: 503 5.5.1
                    C: MAIL FROM:<carol@remote.test>
                    S: 250
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    C: DATA
                    S: 354
                    C: Subject: secret
                    C:
                    C: .
                    S: 250
                    """);
        }
        assertThat(stored(inbox("alice").get(0))).contains("with ESMTPS id");
    }

    @Test
    void tooManyErrorsEndTheSession() throws Exception {
        try (var t = connect()) {
            for (int i = 0; i < 19; i++) t.send("BOGUS").expect("500");
            t.send("BOGUS").expect("421 4.7.0");
            assertThat(t.closedByServer()).isTrue();
        }
    }

    @Test
    void aFullMailboxIsATemporaryFailureAtRcpt() throws Exception {
        accounts.setQuota("bob", 100);
        try (var t = connect()) {
            t.play("""
                    C: EHLO client.test
                    S: 250
                    C: MAIL FROM:<carol@remote.test> SIZE=500
                    S: 250
                    C: RCPT TO:<bob@example.test>
                    S: 452 4.2.2
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    """);
        }
    }
}
