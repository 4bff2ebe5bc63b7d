package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** With submission.save_sent, what a user sends is also filed, read, in their Sent folder. */
class SentCopyTest extends SmtpTestServer {
    @Override
    void configure(Config config) {
        config.submission.saveSent = true;
    }

    @Test
    void aSubmittedMessageLandsInSentAsSeen() throws Exception {
        try (var t = Transcript.tls("127.0.0.1", submissions.port())) {
            t.expect("220");
            t.send("EHLO client.test").expectReply("250 ");
            t.send("AUTH PLAIN AGFsaWNlAHBhc3N3b3JkLWFsaWNl").expect("235");
            t.send("MAIL FROM:<alice@example.test>").expect("250");
            t.send("RCPT TO:<bob@example.test>").expect("250");
            t.send("DATA").expect("354");
            t.send("From: <alice@example.test>\r\nSubject: keep a copy\r\n\r\nhi\r\n.").expect("250");
        }
        long alice = accounts.find("alice").orElseThrow().id();
        var sent = storage.mail().messages(alice, storage.mail().mailbox(alice, "Sent").orElseThrow().id());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).flags()).contains("\\Seen");
        assertThat(stored(sent.get(0))).contains("Subject: keep a copy").contains("Message-ID: <");
        assertThat(inbox("bob")).hasSize(1);
        assertThat(inbox("alice")).isEmpty();
    }
}
