package mailroom.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.sieve.Envelope;
import mailroom.sieve.Environment;
import mailroom.sieve.MessageView;
import mailroom.sieve.Outcome;
import mailroom.sieve.Script;
import mailroom.sieve.syntax.SieveException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;

/**
 * Sieve (RFC 5228 and the extensions we run): a script either compiles or is refused with a
 * {@link SieveException} saying where; one that compiles runs on a message (itself fuzzed) and
 * ends in an {@link Outcome}, never an exception, since a failed rule must keep the message.
 */
public final class SieveFuzz {
    private static final byte[] MESSAGE = ("From: \"Carol\" <carol@example.net>\r\nTo: alice+work@example.org, bob@example.org\r\n"
            + "Subject: =?UTF-8?B?aMOpbGxv?= report\r\nDate: Mon, 30 Nov 2026 10:00:00 +0100\r\nList-Id: <l.example.net>\r\n"
            + "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nquarterly numbers\r\n"
            + "--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--b--\r\n").getBytes(StandardCharsets.US_ASCII);

    private static final Environment ENVIRONMENT = new Environment() {
        @Override
        public boolean mailboxExists(String name) {
            return name.equals("INBOX") || name.equals("Work");
        }

        @Override
        public Optional<String> includeSource(boolean global, String name) {
            // an included script that includes itself: the interpreter must notice the loop
            return name.equals("self") ? Optional.of("require \"include\"; include \"self\";") : Optional.of("keep;");
        }

        @Override
        public Set<String> ownAddresses() {
            return Set.of("alice@example.org");
        }

        @Override
        public Instant now() {
            return Instant.parse("2026-12-01T12:00:00Z");
        }

        @Override
        public java.time.ZoneId zone() {
            return ZoneOffset.UTC;
        }
    };

    private SieveFuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        boolean fuzzMessage = data.consumeBoolean();
        byte[] message = fuzzMessage ? data.consumeBytes(data.consumeInt(0, 2000)) : MESSAGE;
        String source = data.consumeRemainingAsString();
        Script script;
        try {
            script = Script.compile(source);
        } catch (SieveException refused) {
            return;
        }
        Outcome outcome = script.evaluate(new MessageView(message), new Envelope("carol@example.net", "alice@example.org", "alice+work@example.org"), ENVIRONMENT);
        if (outcome.actions() == null || outcome.errors() == null) throw new AssertionError("no outcome");
    }
}
