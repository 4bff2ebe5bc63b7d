package mailroom.core.mime;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever arrives was accepted and must be fetchable: the parser never throws and its offsets stay
 * inside the message, for random bytes and for mutations of a real multipart message.
 */
class MessageParserFuzzTest {
    private static final byte[] SEED = ("From: a@b.test\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
            + "--c\r\nContent-Type: text/plain\r\n\r\nx\r\n--c--\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>\r\n--b--\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void neverThrowsAndKeepsOffsetsInside() {
        var random = new Random(20261128);
        for (int round = 0; round < 3000; round++) {
            byte[] input;
            if (round % 2 == 0) {
                input = new byte[random.nextInt(400)];
                String alphabet = "\r\n-:;= abc\"<>@b";
                for (int i = 0; i < input.length; i++) input[i] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
            } else {
                input = SEED.clone();
                for (int k = 0; k < 1 + random.nextInt(8); k++) input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                if (random.nextBoolean()) input = java.util.Arrays.copyOf(input, random.nextInt(input.length));
            }
            ParsedMessage parsed = MessageParser.parse(input);
            check(parsed.root(), input.length);
        }
    }

    private static void check(MimePart part, int size) {
        assertThat(part.headerStart()).isBetween(0L, (long) size);
        assertThat(part.bodyStart()).isBetween(part.headerStart(), (long) size);
        assertThat(part.bodyEnd()).isBetween(part.bodyStart(), (long) size);
        part.parts().forEach(p -> check(p, size));
        if (part.message() != null) check(part.message(), size);
    }
}
