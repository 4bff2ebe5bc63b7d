package mailroom.imap;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** BODY[HEADER.FIELDS (...)] and HEADER.FIELDS.NOT: which lines of a header are kept (RFC 3501 section 6.4.5). */
class HeaderFieldsTest {
    private static final String HEADER = "From: a@example.test\r\n"
            + "Subject: a long one\r\n folded once\r\n\tand twice\r\n"
            + "X-Empty:\r\n"
            + "to : b@example.test\r\n"
            + "\r\n";

    private static String filter(String header, boolean not, String... names) {
        return new String(FetchCommand.filterHeader(header.getBytes(StandardCharsets.ISO_8859_1), List.of(names), not), StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepsTheNamedFieldsWithTheirContinuationLinesAndEndsWithABlankLine() {
        assertThat(filter(HEADER, false, "SUBJECT", "TO")).isEqualTo("Subject: a long one\r\n folded once\r\n\tand twice\r\nto : b@example.test\r\n\r\n");
        assertThat(filter(HEADER, true, "SUBJECT", "TO")).isEqualTo("From: a@example.test\r\nX-Empty:\r\n\r\n");
        assertThat(filter(HEADER, false, "CC")).isEqualTo("\r\n");
    }

    @Test
    void stopsAtTheBlankLineAndCopesWithBareNewlinesAndAMissingEnd() {
        assertThat(filter("Subject: x\n\nSubject: body\n", false, "SUBJECT")).isEqualTo("Subject: x\n\r\n");
        assertThat(filter("Subject: no end", false, "SUBJECT")).isEqualTo("Subject: no end\r\n");
        assertThat(filter("", false, "SUBJECT")).isEqualTo("\r\n");
        assertThat(filter("garbage without colon\r\nSubject: y\r\n\r\n", true, "SUBJECT")).isEqualTo("garbage without colon\r\n\r\n");
    }
}
