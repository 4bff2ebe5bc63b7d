package mailroom.sieve;

import mailroom.sieve.syntax.SieveException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the conformance corpus cannot show: compile errors name the line and the reason (as
 * ManageSieve reports them), and a script that fails while running keeps the message in INBOX.
 */
class ScriptTest {
    private static final byte[] MESSAGE = ("From: Carol <carol@example.net>\r\nTo: alice@example.org\r\nSubject: hello\r\n"
            + "Message-ID: <m1@example.net>\r\n\r\nHi Alice\r\n").getBytes(StandardCharsets.US_ASCII);

    private static void fails(String script, int line, String reason) {
        assertThatThrownBy(() -> Script.compile(script)).isInstanceOfSatisfying(SieveException.class, e -> {
            assertThat(e.line()).as(e.describe()).isEqualTo(line);
            assertThat(e.getMessage()).contains(reason);
        });
    }

    @Test
    void compileErrorsNameTheLineAndTheReason() {
        fails("require \"fileinto\";\nif true {\n  fileint \"x\";\n}\n", 3, "unknown command 'fileint'");
        fails("if header :is \"Subject\" \"x\" {\n  fileinto \"x\";\n}\n", 2, "needs require \"fileinto\"");
        fails("keep;\nrequire \"fileinto\";\n", 2, "require must come before");
        fails("require \"fly\";\n", 1, "unsupported extension \"fly\"");
        fails("\n\nif size :over 10 { keep; }\nelse { discard; }\nelse { keep; }\n", 5, "else without a preceding if");
        fails("if header :is \"Subject\" {\n keep;\n}\n", 1, "header takes 2 arguments, given 1");
        fails("if size :under :over 2K { keep; }\n", 1, "exactly one of :over and :under");
        fails("if size :under 1K :over { keep; }\n", 1, "tag :over must come before");
        fails("redirect \"a@b\"\nkeep;\n", 2, "missing ';' after redirect");
        fails("redirect \"a@b\"\n", 2, "expected ';' or '{'");
        fails("if header :contains \"Subject\" \"x\n", 1, "unterminated string");
        fails("require \"regex\";\nif header :regex \"Subject\" \"(\" { keep; }\n", 2, "invalid regular expression");
        fails("if header :comparator \"i;ascii-numeric\" :contains \"X\" \"1\" { keep; }\n", 1, "needs require \"comparator-i;ascii-numeric\"");
        fails("if " + "not ".repeat(100) + "true { keep; }\n", 1, "nested too deeply");
    }

    @Test
    void aRuntimeErrorKeepsTheMessageInInbox() throws SieveException {
        Outcome outcome = run("require \"fileinto\";\nfileinto \"Work\";\nredirect \"not an address\";\n", Map.of());
        assertThat(outcome.describe()).containsExactly("store \"INBOX\"");
        assertThat(outcome.errors()).singleElement().asString().contains("invalid address");
    }

    /** ereject (RFC 5429), which Pigeonhole lacks and so the corpus cannot cover: a reject that says it may be refused in protocol. */
    @Test
    void erejectRefusesAndConflictsWithFiling() throws SieveException {
        Outcome refused = run("require \"ereject\";\nereject \"No thanks.\";\n", Map.of());
        assertThat(refused.actions()).containsExactly(new Action.Reject("No thanks.", true));
        Outcome conflict = run("require [\"ereject\", \"fileinto\"];\nfileinto \"Work\";\nereject \"No.\";\n", Map.of());
        assertThat(conflict.errors()).singleElement().asString().contains("reject conflicts with an earlier fileinto");
        assertThat(conflict.describe()).containsExactly("store \"INBOX\"");
    }

    @Test
    void aMatchThatWouldBacktrackForeverEndsAsARuntimeError() throws SieveException {
        // a wildcard or regular expression that backtracks exponentially on a header the sender
        // chose must not hold a delivery worker: it gives up and the message is kept
        byte[] message = ("Subject: " + "a".repeat(80) + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        for (String test : List.of("header :matches \"subject\" \"" + "*a".repeat(20) + "b\"",
                "header :regex \"subject\" \"(.*a){12}b\"")) {
            String source = "require [\"regex\", \"fileinto\"];\nif " + test + " { fileinto \"Work\"; }\n";
            Outcome outcome = assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> run(source, Map.of(), message));
            assertThat(outcome.describe()).as(test).containsExactly("store \"INBOX\"");
            assertThat(outcome.errors()).as(test).singleElement().asString().contains("too long");
        }
    }

    @Test
    void redirectsAreBoundedPerRun() throws SieveException {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < 5; i++) script.append("redirect \"r").append(i).append("@example.net\";\n");
        Outcome outcome = run(script.toString(), Map.of());
        assertThat(outcome.errors()).singleElement().asString().contains("too many redirects");
        assertThat(outcome.describe()).containsExactly("store \"INBOX\"");
    }

    @Test
    void anIncludeLoopEndsInAnErrorNotAHang() throws SieveException {
        Outcome outcome = run("require \"include\";\ninclude \"a\";\n", Map.of("a", "require \"include\";\ninclude \"a\";\n"));
        assertThat(outcome.errors()).singleElement().asString().contains("nested more than");
        assertThat(outcome.describe()).containsExactly("store \"INBOX\"");
    }

    @Test
    void vacationCarriesWhatTheReplyNeeds() throws SieveException {
        Outcome outcome = run("require [\"vacation\", \"vacation-seconds\"];\nvacation :seconds 3600 :from \"alice@example.org\" \"Away\";\n", Map.of());
        assertThat(outcome.actions()).first().isInstanceOfSatisfying(Action.Vacation.class, v -> {
            assertThat(v.to()).isEqualTo("carol@example.net");
            assertThat(v.subject()).isEqualTo("Auto: hello");
            assertThat(v.period()).hasSeconds(3600);
            assertThat(v.body()).isEqualTo("Away");
        });
    }

    private static Outcome run(String source, Map<String, String> personal) throws SieveException {
        return run(source, personal, MESSAGE);
    }

    private static Outcome run(String source, Map<String, String> personal, byte[] message) throws SieveException {
        Environment environment = new Environment() {
            @Override
            public boolean mailboxExists(String name) {
                return name.equals("INBOX") || name.equals("Work");
            }

            @Override
            public Optional<String> includeSource(boolean global, String name) {
                return Optional.ofNullable(personal.get(name));
            }

            @Override
            public Set<String> ownAddresses() {
                return Set.of("alice@example.org");
            }
        };
        return Script.compile(source).evaluate(new MessageView(message), new Envelope("carol@example.net", "alice@example.org", null), environment);
    }
}
