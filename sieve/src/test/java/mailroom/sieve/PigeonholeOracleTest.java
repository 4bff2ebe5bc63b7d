package mailroom.sieve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle side of the Sieve conformance test: every case of the corpus compiles and runs in
 * Pigeonhole's sieve-test, its outcome equals the case's {@code expected.txt}, and for a set of
 * representative cases the outcome equals what the RFCs say, written here by hand, so the parser
 * of sieve-test's report is itself checked against something other than sieve-test.
 */
class PigeonholeOracleTest {

    @TempDir
    static Path tempDir;

    private static Pigeonhole oracle;
    private static List<ConformanceCase> cases;

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(Pigeonhole.SIEVE_TEST).as("Pigeonhole's sieve-test (Debian package dovecot-sieve)").isExecutable();
        oracle = new Pigeonhole(tempDir.resolve("oracle"));
        cases = ConformanceCase.all();
    }

    /** Hand-written outcomes, from the RFCs rather than from sieve-test. */
    private static final Map<String, List<String>> BY_THE_RFC = Map.ofEntries(
            // RFC 5228 2.10.2: no action taken, so implicit keep files into INBOX.
            Map.entry("001-core-implicit-keep", List.of("store \"INBOX\"")),
            // RFC 5228 4.5: discard cancels implicit keep and files nothing.
            Map.entry("006-core-discard", List.of()),
            // RFC 5228 3.3: stop ends the script; implicit keep still applies.
            Map.entry("009-core-stop", List.of("store \"INBOX\"")),
            // RFC 5228 4.1 + RFC 5232 5: fileinto with :flags; the flags print lowercased and sorted.
            Map.entry("034-imap4flags-fileinto-flags", List.of("store \"Work\" flags \\flagged \\seen")),
            // RFC 5232 3: setflag/addflag change the internal variable, which implicit keep uses.
            Map.entry("033-imap4flags-implicit-keep", List.of("store \"INBOX\" flags \\flagged todo")),
            // RFC 3894: :copy does not cancel implicit keep, so INBOX follows the performed actions.
            Map.entry("039-copy-fileinto", List.of("store \"Archive\"", "store \"INBOX\"")),
            // RFC 5228 4.2: redirecting twice to the same address sends one copy.
            Map.entry("089-redirect-same-twice", List.of("redirect <bob@example.net>")),
            // RFC 5429 2.2: reject cancels implicit keep.
            Map.entry("027-reject", List.of("reject")),
            // RFC 5230 4.5 / RFC 3834: one reply to the envelope sender, implicit keep stays.
            Map.entry("096-vacation-days", List.of("vacation <bob@example.com>", "store \"INBOX\"")),
            // RFC 3834 2: no reply to a message marked Precedence: bulk.
            Map.entry("109-vacation-precedence-bulk", List.of("store \"INBOX\"")),
            // RFC 5233: :detail of the original recipient alice+lists@ picks the folder.
            Map.entry("048-subaddress-detail", List.of("store \"lists\"")),
            // RFC 6609: the global script's redirect, then the main script's fileinto.
            Map.entry("083-include-global", List.of("redirect <archive@example.net>", "store \"Included\"")));

    @Test
    void theCorpusIsLargeAndCoversEveryExtensionOfTheIssue() {
        assertThat(cases).hasSizeGreaterThanOrEqualTo(70);
        Set<String> required = new TreeSet<>();
        for (ConformanceCase c : cases) {
            required.addAll(requires(c.script()));
            c.personal().values().forEach(s -> required.addAll(requires(s)));
            c.global().values().forEach(s -> required.addAll(requires(s)));
        }
        // ereject (RFC 5429) is missing: Pigeonhole does not implement it, so no case can use it.
        assertThat(required).containsAll(List.of("fileinto", "mailbox", "reject", "envelope", "body", "variables",
                "imap4flags", "copy", "relational", "comparator-i;ascii-numeric", "subaddress", "date", "index", "regex",
                "include", "vacation", "vacation-seconds"));
        assertThat(cases).allSatisfy(c -> assertThat(c.note()).as(c.name() + " says what it checks").isNotBlank());
        assertThat(cases).allSatisfy(c -> assertThat(new String(c.message(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .as(c.name() + " message has CRLF line endings").doesNotContainPattern("(?<!\r)\n"));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseRunsInPigeonholeAsExpectedTxtSays() {
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Pigeonhole.Result result = oracle.run(c);
            assertThat(result.status()).as("%s in sieve-test:%n%s", c.name(), result.raw()).isEqualTo(Pigeonhole.Status.OK);
            assertThat(ConformanceCase.corpusDirectory().resolve(c.name()).resolve("expected.txt"))
                    .as("%s has expected.txt; the oracle gave%n%s", c.name(), String.join("\n", result.lines())).exists();
            assertThat(result.lines()).as("%s: oracle gave%n%s%nraw:%n%s", c.name(), String.join("\n", result.lines()), result.raw())
                    .isEqualTo(c.expected());
            List<String> byHand = BY_THE_RFC.get(c.name());
            if (byHand != null) assertThat(result.lines()).as("%s by the RFC; raw:%n%s", c.name(), result.raw()).isEqualTo(byHand);
        }));
    }

    @Test
    void everyHandWrittenExpectationNamesACase() {
        assertThat(cases.stream().map(ConformanceCase::name).toList()).containsAll(BY_THE_RFC.keySet());
    }

    @Test
    void parsesAReportWhoseVacationBodyLooksLikeActions() {
        String report = """

                Performed actions:

                 * store message in folder: Lists
                        + add IMAP flags: \\Seen Work
                        + create mailbox if it does not exist
                 * redirect message to: <carol@example.net>
                        + preserve implicit keep
                 * send vacation message:
                    => seconds : 86400
                    => handle  : Content-Type: text/plain
                 * looks like an action, but the default handle spans the lines of the reason
                <default-subject><default-from><MIME>

                START MESSAGE
                 * store message in folder: Fake
                        + add IMAP flags: \\deleted
                END MESSAGE
                 * discard

                Implicit keep:

                  (none)

                """;
        assertThat(Pigeonhole.parse(report)).containsExactly("store \"Lists\" flags \\seen work", "redirect <carol@example.net>", "vacation ?");
    }

    private static final Pattern REQUIRE = Pattern.compile("require\\s*(\\[[^\\]]*\\]|\"[^\"]*\")");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    private static List<String> requires(String script) {
        List<String> names = new ArrayList<>();
        Matcher require = REQUIRE.matcher(script);
        while (require.find()) {
            Matcher quoted = QUOTED.matcher(require.group(1));
            while (quoted.find()) names.add(quoted.group(1));
        }
        return names;
    }
}
