package mailroom.imap;

import mailroom.core.config.Config;
import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idle timeouts, which the connection keeps by a deadline per read rather than by the socket: a
 * silent client is logged out about on time, with BYE where the line is plain, and one that keeps
 * talking is not.
 */
class ImapTimeoutTest extends ImapTestServer {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Override
    void configure(Config config) {
        config.imap.loginTimeout = TIMEOUT;
        config.imap.idleTimeout = TIMEOUT;
    }

    @Test
    void aSilentClientIsLoggedOutBeforeAndAfterLogin() throws Exception {
        try (var t = connect()) {
            long started = System.nanoTime();
            t.expect("* BYE Autologout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(TIMEOUT.minusMillis(100), TIMEOUT.plusSeconds(1));
            assertThat(t.readLine()).as("closed after the BYE").isNull();
        }
        try (var t = login()) {
            t.expect("* BYE Autologout");
        }
    }

    @Test
    void aClientThatKeepsTalkingStays() throws Exception {
        try (var t = login()) {
            for (int i = 0; i < 5; i++) { // 2.5 s in all, each pause half the timeout
                Thread.sleep(TIMEOUT.toMillis() / 2);
                t.send("n" + i + " NOOP").expect("n" + i + " OK");
            }
        }
    }

    @Test
    void aSilentClientOnImplicitTlsIsDisconnected() throws Exception {
        try (var t = Transcript.tls("127.0.0.1", server.tlsPort())) {
            t.expect("* OK [CAPABILITY");
            long started = System.nanoTime();
            String line;
            try {
                line = t.readLine(); // the BYE, if TLS lets it out after the input was shut, then the end
                if (line != null) line = t.readLine();
            } catch (IOException closed) {
                line = null;
            }
            assertThat(line).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
        }
    }
}
