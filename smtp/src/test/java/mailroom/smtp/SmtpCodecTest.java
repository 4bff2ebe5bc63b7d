package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SmtpCodecTest {
    @Test
    void splitsCommandLines() {
        assertThat(SmtpCodec.parseCommand("mail FROM:<a@b.test>  ")).isEqualTo(new SmtpCodec.Command("MAIL", "FROM:<a@b.test>"));
        assertThat(SmtpCodec.parseCommand("QUIT")).isEqualTo(new SmtpCodec.Command("QUIT", ""));
    }

    @Test
    void parsesPathsAndParameters() {
        var path = SmtpCodec.parsePath("FROM:<a@b.test> SIZE=100 body=8bitmime", "FROM", true, false).orElseThrow();
        assertThat(path.address()).isEqualTo(new EmailAddress("a", "b.test"));
        assertThat(path.params()).containsEntry("SIZE", "100").containsEntry("BODY", "8bitmime");
        assertThat(SmtpCodec.parsePath("FROM:<>", "FROM", true, false).orElseThrow().isNullPath()).isTrue();
        assertThat(SmtpCodec.parsePath("TO:<>", "TO", false, false)).isEmpty();
        assertThat(SmtpCodec.parsePath("TO: <a@b.test>", "TO", false, false)).isPresent(); // a space after the colon is common
        assertThat(SmtpCodec.parsePath("TO:<@x.test,@y.test:a@b.test>", "TO", false, false).orElseThrow().address()).isEqualTo(new EmailAddress("a", "b.test"));
        assertThat(SmtpCodec.parsePath("TO:<\"a>b\"@b.test>", "TO", false, false).orElseThrow().address().localPart()).isEqualTo("a>b");
        assertThat(SmtpCodec.parsePath("TO:a@b.test", "TO", false, false)).isEmpty();
        assertThat(SmtpCodec.parsePath("TO:<a@b.test", "TO", false, false)).isEmpty();
        assertThat(SmtpCodec.parsePath("TO:<a@b.test> =x", "TO", false, false)).isEmpty();
        assertThat(SmtpCodec.isBarePostmaster("TO:<postmaster>")).isTrue();
        assertThat(SmtpCodec.isBarePostmaster("TO:<postmaster@x.test>")).isFalse();
    }

    @Test
    void dataTerminatorAndDotStuffing() {
        assertThat(SmtpCodec.isEndOfData(".".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(SmtpCodec.isEndOfData("..".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(SmtpCodec.unstuffedOffset("..x".getBytes(StandardCharsets.US_ASCII))).isEqualTo(1);
        assertThat(SmtpCodec.unstuffedOffset("x.".getBytes(StandardCharsets.US_ASCII))).isZero();
    }

    @Test
    void rendersMultiLineReplies() {
        assertThat(Reply.plain(250, java.util.List.of("host", "PIPELINING")).wire()).isEqualTo("250-host\r\n250 PIPELINING\r\n");
        assertThat(Reply.of(550, "5.1.1", "no").wire()).isEqualTo("550 5.1.1 no\r\n");
    }

    @Test
    void xtextAndTheDsnParameters() {
        assertThat(SmtpCodec.decodeXtext("abc+2Bdef+3D")).contains("abc+def=");
        assertThat(SmtpCodec.decodeXtext("bad+2b")).as("lower-case hex").isEmpty();
        assertThat(SmtpCodec.decodeXtext("bad+-1")).isEmpty();
        assertThat(SmtpCodec.decodeXtext("cut+2")).isEmpty();
        assertThat(SmtpCodec.decodeXtext("a=b")).isEmpty();
        assertThat(SmtpCodec.encodeXtext("a+b=c d")).isEqualTo("a+2Bb+3Dc+20d");
        assertThat(SmtpCodec.parseNotify("success,delay")).contains("SUCCESS,DELAY");
        assertThat(SmtpCodec.parseNotify("NEVER,SUCCESS")).isEmpty();
        assertThat(SmtpCodec.parseOrcpt("rfc822;bob+2Bx@example.test")).contains("rfc822;bob+x@example.test");
        assertThat(SmtpCodec.parseOrcpt("bob@example.test")).isEmpty();
    }
}
