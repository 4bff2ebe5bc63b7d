package mailroom.smtp;

import mailroom.core.config.Config;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A message still queued after queue.delay_warning brings its sender one "delayed" notice, not one per retry. */
class DelayNoticeTest extends SmtpTestServer {
    @Override
    void configure(Config config) {
        config.queue.delayWarning = Duration.ofSeconds(1);
    }

    @Test
    void oneDelayNoticeWhileRetrying() throws Exception {
        sink.refuse("slow@remote.test", "451 4.4.2 come back later", 1000);
        submit("alice@example.test", "password-alice", List.of("slow@remote.test"), "Subject: patience\r\n\r\nwaiting");
        await().atMost(Duration.ofSeconds(10)).until(() -> storage.queue().list().stream()
                .anyMatch(e -> e.sender().equals("alice@example.test") && e.recipients().get(0).attempts() >= 3));
        var notices = inbox("alice");
        assertThat(notices).hasSize(1);
        assertThat(stored(notices.get(0))).contains("Subject: Delayed Mail (still being retried)").contains("Action: delayed")
                .contains("Status: 4.4.2").contains("Will-Retry-Until: ").contains("Final-Recipient: rfc822; slow@remote.test");
        assertThat(sink.messages).isEmpty();
    }
}
