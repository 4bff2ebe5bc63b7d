package mailroom.pop3;

import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** POP3 protocol corners as conversations: client line (C:), the start of the server's line (S:). */
class Pop3TranscriptTest extends Pop3TestServer {

    private static String plain(String authzid, String user, String password) {
        return Base64.getEncoder().encodeToString((authzid + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void capaListsWhatTheCurrentStateOffers() throws Exception {
        try (var t = connect()) {
            t.send("CAPA").expect("+OK");
            assertThat(t.readMultiLine()).containsExactly("RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER",
                    "IMPLEMENTATION Mailroom", "STLS", "USER", "SASL PLAIN", "UIDL", "TOP");
            t.send("USER alice").expect("+OK");
            t.send("PASS " + PASSWORD).expect("+OK");
            t.send("CAPA").expect("+OK");
            assertThat(t.readMultiLine()).doesNotContain("USER", "STLS", "SASL PLAIN").contains("UIDL", "TOP");
        }
    }

    @Test
    void badCommandsInEveryStateAreRefusedAndTheSessionGoesOn() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: FROB
                    S: -ERR Unknown command
                    C:
                    S: -ERR Unknown command
                    C: STAT
                    S: -ERR Command not valid in this state
                    C: RETR 1
                    S: -ERR Command not valid in this state
                    C: PASS secret
                    S: -ERR Send USER first
                    C: USER
                    S: -ERR Usage
                    C: AUTH CRAM-MD5
                    S: -ERR Unsupported
                    C: AUTH PLAIN !!!notbase64
                    S: -ERR Invalid SASL PLAIN
                    C: USER alice
                    S: +OK
                    C: PASS wrong-password
                    S: -ERR [AUTH] Authentication failed
                    C: USER alice
                    S: +OK
                    C: PASS alice-password
                    S: +OK Logged in, 3 messages
                    C: USER alice
                    S: -ERR Command not valid in this state
                    C: STLS
                    S: -ERR Command not valid in this state
                    C: RETR
                    S: -ERR Invalid message number
                    C: RETR 99
                    S: -ERR No such message
                    C: RETR 0
                    S: -ERR No such message
                    C: RETR one
                    S: -ERR Invalid message number
                    C: TOP 1
                    S: -ERR Usage: TOP message lines
                    C: TOP 1 -1
                    S: -ERR Invalid line count
                    C: LIST x
                    S: -ERR Invalid message number
                    C: DELE 1
                    S: +OK
                    C: DELE 1
                    S: -ERR Message 1 already deleted
                    C: RETR 1
                    S: -ERR Message 1 already deleted
                    C: NOOP
                    S: +OK
                    C: QUIT
                    S: +OK
                    """);
            assertThat(t.closedByServer()).isTrue();
        }
        assertThat(inbox()).hasSize(2);
    }

    @Test
    void listingsAndRetrieval() throws Exception {
        try (var t = login()) {
            t.send("STAT").expect("+OK 3 ");
            t.send("LIST").expect("+OK 3 messages");
            List<String> list = t.readMultiLine();
            assertThat(list).hasSize(3);
            assertThat(list.get(0)).isEqualTo("1 " + inbox().get(0).size());
            t.send("LIST 2").expect("+OK 2 " + inbox().get(1).size());
            t.send("RETR 2").expect("+OK " + inbox().get(1).size() + " octets");
            assertThat(t.readMultiLine()).containsExactly("Subject: two", "", "..starts with a dot", "line 2", "line 3");
            t.send("RETR 3").expect("+OK");
            assertThat(t.readMultiLine()).containsExactly("Subject: three", "", "no final line break");
            t.send("TOP 2 1").expect("+OK");
            assertThat(t.readMultiLine()).containsExactly("Subject: two", "", "..starts with a dot");
            t.send("TOP 2 0").expect("+OK");
            assertThat(t.readMultiLine()).containsExactly("Subject: two", "");
        }
    }

    @Test
    void deletionTakesEffectAtQuitOnlyAndRsetUndoesIt() throws Exception {
        try (var t = login()) {
            t.play("""
                    C: DELE 1
                    S: +OK
                    C: RSET
                    S: +OK
                    C: DELE 2
                    S: +OK
                    C: STAT
                    S: +OK 2
                    """);
            t.send("LIST").expect("+OK 2");
            assertThat(t.readMultiLine()).extracting(l -> l.split(" ")[0]).containsExactly("1", "3");
        } // dropped without QUIT: nothing is deleted
        assertThat(inbox()).hasSize(3);
        try (var t = login()) {
            t.play("""
                    C: DELE 2
                    S: +OK
                    C: QUIT
                    S: +OK
                    """);
        }
        assertThat(inbox()).extracting(m -> m.uid()).containsExactly(1L, 3L);
    }

    @Test
    void uidlsAreStableAcrossSessions() throws Exception {
        List<String> before;
        try (var t = login()) {
            t.send("UIDL").expect("+OK");
            before = t.readMultiLine();
            t.send("UIDL 3").expect("+OK 3 " + before.get(2).split(" ")[1]);
            t.send("DELE 1").expect("+OK");
            t.send("QUIT").expect("+OK");
        }
        try (var t = connect()) {
            t.send("USER alice").expect("+OK");
            t.send("PASS " + PASSWORD).expect("+OK Logged in, 2 messages");
            t.send("UIDL").expect("+OK");
            List<String> after = t.readMultiLine();
            assertThat(after).extracting(l -> l.split(" ")[1])
                    .containsExactly(before.get(1).split(" ")[1], before.get(2).split(" ")[1]);
        }
        assertThat(before).extracting(l -> l.split(" ")[1]).doesNotHaveDuplicates().allMatch(u -> u.matches("[0-9a-f]{16}"));
    }

    @Test
    void saslPlainWithInitialResponseAndContinuation() throws Exception {
        try (var t = connect()) {
            t.send("AUTH PLAIN " + plain("", "alice@example.test", PASSWORD)).expect("+OK Logged in");
        }
        try (var t = connect()) {
            t.play("""
                    C: AUTH PLAIN
                    S: +
                    C: *
                    S: -ERR Authentication cancelled
                    C: AUTH PLAIN
                    S: +
                    """);
            t.send(plain("bob", "alice", PASSWORD)).expect("-ERR [AUTH] Cannot log in as another user");
            t.send("AUTH PLAIN").expect("+");
            t.send(plain("alice", "alice", PASSWORD)).expect("+OK Logged in");
        }
        try (var t = connect()) {
            t.send("AUTH").expect("+OK");
            assertThat(t.readMultiLine()).containsExactly("PLAIN");
        }
    }

    @Test
    void manyConsecutiveErrorsEndTheSession() throws Exception {
        try (var t = connect()) {
            for (int i = 0; i < 19; i++) t.send("BOGUS").expect("-ERR Unknown command");
            t.send("BOGUS").expect("-ERR Unknown command");
            t.expect("-ERR Too many errors");
            assertThat(t.closedByServer()).isTrue();
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        try (var t = connect()) {
            t.sendRaw(("USER alice\r\nPASS " + PASSWORD + "\r\nSTAT\r\nDELE 3\r\nSTAT\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            t.play("""
                    S: +OK
                    S: +OK Logged in
                    S: +OK 3
                    S: +OK Message 3 deleted
                    S: +OK 2
                    S: +OK
                    """);
        }
        assertThat(inbox()).hasSize(2);
    }

    @Test
    void stlsAndImplicitTls() throws Exception {
        try (var t = connect()) {
            t.send("STLS").expect("+OK Begin TLS");
            t.startTls();
            t.send("STLS").expect("-ERR Already using TLS");
            t.send("USER alice").expect("+OK");
            t.send("PASS " + PASSWORD).expect("+OK Logged in");
        }
        try (var t = Transcript.tls("127.0.0.1", server.tlsPort())) {
            t.expect("+OK mail.example.test");
            t.send("CAPA").expect("+OK");
            assertThat(t.readMultiLine()).doesNotContain("STLS").contains("USER");
            t.send("AUTH PLAIN " + plain("", "alice", PASSWORD)).expect("+OK Logged in");
        }
    }
}
