package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.core.mail.MailboxNames;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Random input to the IMAP codec: a malformed argument is a BAD (ImapException.Bad), never another
 * exception; and a session fed garbage answers it and stays usable.
 */
class ImapParserFuzzTest extends ImapTestServer {
    private static final String ALPHABET = "abc 019*:,$()[]<>{}\"\\~+-.%&\r\nINBOX";

    @Test
    void theParserOnlyEverSaysBad() {
        var random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            var sb = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            var parser = new ImapParser(sb.toString().getBytes(StandardCharsets.UTF_8));
            try {
                switch (round % 8) {
                    case 0 -> parser.astring();
                    case 1 -> parser.sequenceSet();
                    case 2 -> parser.flagList();
                    case 3 -> parser.listMailbox();
                    case 4 -> parser.dateTime();
                    case 5 -> parser.nstring();
                    case 6 -> parser.date();
                    default -> parser.tag();
                }
            } catch (ImapException.Bad expected) {
                // the only acceptable failure
            }
            String decoded = MailboxNames.decodeUtf7(sb.toString());
            if (decoded != null) assertThat(MailboxNames.decodeUtf7(MailboxNames.encodeUtf7(decoded))).isEqualTo(decoded);
        }
    }

    @Test
    void aNumberAboveTwoToTheSixtyThreeIsBad() throws ImapException.Bad {
        // found by fuzzing: 19 digits passed the length check and Long.parseLong threw
        // NumberFormatException, which is not the codec's documented failure
        assertThatThrownBy(() -> new ImapParser("9999999999999999999").number()).isInstanceOf(ImapException.Bad.class);
        assertThatThrownBy(() -> new ImapParser("{9999999999999999999}\r\nx").astring()).isInstanceOf(ImapException.Bad.class);
        assertThat(new ImapParser("9223372036854775807").number()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aSessionAnswersAnOversizedLiteralSizeWithBad() throws Exception {
        // the session collects literals of up to 10 digits; a longer size reaches the parser as text
        try (var t = login()) {
            t.send("s SELECT {9999999999999999999}");
            String line;
            do line = t.readLine(); while (line != null && !line.startsWith("s "));
            assertThat(line).startsWith("s BAD");
            t.send("n NOOP").expect("n OK");
        }
    }

    @Test
    void aSessionFedGarbageStaysUsable() throws Exception {
        var random = new Random(11);
        try (var t = login()) {
            t.send("s SELECT INBOX");
            while (!t.readLine().startsWith("s OK")) { /* SELECT data */ }
            String[] commands = {"FETCH", "UID FETCH", "STORE", "SEARCH", "COPY", "LIST", "STATUS", "SORT", "THREAD", "EXAMINE"};
            for (int i = 0; i < 300; i++) {
                var sb = new StringBuilder();
                for (int k = random.nextInt(30); k > 0; k--) {
                    char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
                    if (c != '\r' && c != '\n' && c != '{') sb.append(c);
                }
                t.send("g" + i + " " + commands[i % commands.length] + " " + sb);
                String line;
                do line = t.readLine(); while (line != null && !line.startsWith("g" + i + " "));
                assertThat(line).as("tagged answer to garbage " + i).matches("g" + i + " (OK|NO|BAD).*");
            }
            t.send("n NOOP").expect("n OK");
        }
    }
}
