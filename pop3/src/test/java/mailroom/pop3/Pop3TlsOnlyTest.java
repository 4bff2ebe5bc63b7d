package mailroom.pop3;

import mailroom.core.config.Config;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** With plaintext_auth = "never", passwords are refused until the session is encrypted, even from loopback. */
class Pop3TlsOnlyTest extends Pop3TestServer {
    @Override
    void configure(Config config) {
        config.pop3.plaintextAuth = Config.PlaintextAuth.NEVER;
    }

    @Test
    void passwordsNeedTls() throws Exception {
        try (var t = connect()) {
            t.send("CAPA").expect("+OK");
            assertThat(t.readMultiLine()).contains("STLS").doesNotContain("USER", "SASL PLAIN");
            t.send("USER alice").expect("-ERR [AUTH] Plaintext authentication is only allowed over TLS");
            t.send("AUTH PLAIN AGFsaWNlAHg=").expect("-ERR [AUTH]");
            t.send("STLS").expect("+OK");
            t.startTls();
            t.send("CAPA").expect("+OK");
            assertThat(t.readMultiLine()).contains("USER", "SASL PLAIN").doesNotContain("STLS");
            t.send("USER alice").expect("+OK");
            t.send("PASS " + PASSWORD).expect("+OK Logged in");
        }
    }
}
