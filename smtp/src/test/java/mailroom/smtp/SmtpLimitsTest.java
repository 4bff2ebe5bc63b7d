package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Limits: recipients per message, idle time, connections. */
class SmtpLimitsTest extends SmtpTestServer {
    @Override
    void configure(Config config) {
        config.smtp.maxRecipients = 2;
        config.smtp.commandTimeout = Duration.ofSeconds(1);
        config.smtp.maxConnections = 2;
    }

    @Test
    void recipientLimit() throws Exception {
        try (var t = connect()) {
            t.play("""
                    C: HELO client.test
                    S: 250
                    C: MAIL FROM:<carol@remote.test>
                    S: 250
                    C: RCPT TO:<alice@example.test>
                    S: 250
                    C: RCPT TO:<bob@example.test>
                    S: 250
                    C: RCPT TO:<postmaster@example.test>
                    S: 452 4.5.3
                    """);
        }
    }

    @Test
    void idleClientsAreTimedOut() throws Exception {
        try (var t = connect()) {
            t.expect("421 4.4.2");
            assertThat(t.closedByServer()).isTrue();
        }
    }

    @Test
    void connectionsBeyondTheLimitAreToldToComeBack() throws Exception {
        try (var a = connect(); var b = connect(); var c = new Transcript("127.0.0.1", server.port())) {
            c.expect("421 4.3.2");
            assertThat(c.closedByServer()).isTrue();
        }
    }
}
