package mailroom.core.auth;

import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The example exchange of RFC 7677 section 3 (user "user", password "pencil"), replayed against our server. */
class ScramTest {
    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private final String stored = Scram.credentials("pencil", Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

    @Test
    void replaysTheRfcExample() {
        var server = new Scram.Server(user -> user.equals("user") ? Optional.of(stored) : Optional.empty(), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        assertThat(server.challenge(CLIENT_FIRST)).contains(SERVER_FIRST);
        assertThat(server.verify(CLIENT_FINAL)).contains(SERVER_FINAL);
        assertThat(server.username()).isEqualTo("user");
    }

    @Test
    void refusesAWrongProofAnUnknownUserAndGarbage() {
        var server = new Scram.Server(user -> user.equals("user") ? Optional.of(stored) : Optional.empty(), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        server.challenge(CLIENT_FIRST);
        assertThat(server.verify(CLIENT_FINAL.replace("p=dHzb", "p=eHzb"))).isEmpty();
        assertThat(server.verify(CLIENT_FINAL.replace("c=biws", "c=eSws"))).as("channel binding header changed").isEmpty();
        assertThat(new Scram.Server(u -> Optional.empty()).challenge(CLIENT_FIRST)).isEmpty();
        assertThat(new Scram.Server(u -> Optional.of(stored)).challenge("garbage")).isEmpty();
        assertThat(new Scram.Server(u -> Optional.of(stored)).verify(CLIENT_FINAL)).as("no challenge yet").isEmpty();
    }
}
