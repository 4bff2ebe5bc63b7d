package mailroom.sieve;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generated out-of-office script: it compiles, reads back, answers only between its dates, and runs the kept rules. */
class OutOfOfficeTest {
    private static final byte[] MESSAGE = ("From: carol@example.net\r\nTo: alice@example.org\r\nSubject: [work] hello\r\n\r\nHi\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final String RULES = "require \"fileinto\";\nif header :contains \"Subject\" \"[work]\" { fileinto \"Work\"; }\n";

    private static Outcome run(String script, String day) throws Exception {
        Environment environment = new Environment() {
            @Override
            public boolean mailboxExists(String name) {
                return true;
            }

            @Override
            public Optional<String> includeSource(boolean global, String name) {
                return Optional.ofNullable(Map.of("rules", RULES).get(name));
            }

            @Override
            public Set<String> ownAddresses() {
                return Set.of("alice@example.org");
            }

            @Override
            public Instant now() {
                return LocalDate.parse(day).atTime(12, 0).toInstant(ZoneOffset.UTC);
            }

            @Override
            public ZoneId zone() {
                return ZoneOffset.UTC;
            }
        };
        return Script.compile(script).evaluate(new MessageView(MESSAGE), new Envelope("carol@example.net", "alice@example.org", null), environment);
    }

    @Test
    void answersBetweenItsDatesAndKeepsTheRulesThatWereActive() throws Exception {
        var away = new OutOfOffice(LocalDate.parse("2026-12-20"), LocalDate.parse("2027-01-05"), "Away \"for\" the holidays",
                "Back on the 6th.\n.a line with a dot\n", 7, "rules");
        String script = away.script();
        assertThat(OutOfOffice.of(script)).contains(away);
        assertThat(run(script, "2026-12-19").describe()).containsExactly("store \"Work\"");
        assertThat(run(script, "2026-12-20").describe()).containsExactly("vacation <carol@example.net>", "store \"Work\"");
        assertThat(run(script, "2027-01-05").actions()).first().isInstanceOfSatisfying(Action.Vacation.class, v -> {
            assertThat(v.subject()).isEqualTo("Away \"for\" the holidays");
            assertThat(v.body()).isEqualTo("Back on the 6th.\r\n.a line with a dot\r\n");
            assertThat(v.period()).hasDays(7);
        });
        assertThat(run(script, "2027-01-06").describe()).containsExactly("store \"Work\"");
    }

    @Test
    void withoutDatesOrKeptRulesItAnswersAlways() throws Exception {
        var always = new OutOfOffice(null, null, null, "Away.", 1, null);
        assertThat(run(always.script(), "2030-01-01").describe()).containsExactly("vacation <carol@example.net>", "store \"INBOX\"");
        assertThat(OutOfOffice.of(always.script())).contains(always);
        assertThat(OutOfOffice.of(RULES)).isEmpty();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new OutOfOffice(LocalDate.parse("2027-01-05"), LocalDate.parse("2026-12-20"), null, "x", 7, null))
                .hasMessageContaining("ends before it begins");
        assertThatThrownBy(() -> new OutOfOffice(null, null, null, " ", 7, null)).hasMessageContaining("needs a message");
    }
}
