package mailroom.smtp;

import mailroom.core.config.Config;
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
        submit("alice@example.test", "password-alice", java.util.List.of("bob@example.test"), "From: <alice@example.test>\r\nSubject: keep a copy\r\n\r\nhi");
        long alice = accounts.find("alice").orElseThrow().id();
        var sent = storage.mail().messages(alice, storage.mail().mailbox(alice, "Sent").orElseThrow().id());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).flags()).contains("\\Seen");
        assertThat(stored(sent.get(0))).contains("Subject: keep a copy").contains("Message-ID: <");
        assertThat(inbox("bob")).hasSize(1);
        assertThat(inbox("alice")).isEmpty();
    }
}
