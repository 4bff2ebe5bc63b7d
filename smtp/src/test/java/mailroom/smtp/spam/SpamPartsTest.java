package mailroom.smtp.spam;

import mailroom.core.config.Config;
import mailroom.storage.Mailbox;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pieces of the spam stage that need no rspamd: its answer, our fields, the verdict read back, DNSBL names. */
class SpamPartsTest {
    @Test
    void rspamdsAnswerIsReadWithItsSymbolsHighestFirst() throws Exception {
        var result = Rspamd.parse("""
                {"is_skipped":false,"score":8.5,"required_score":15.0,"action":"add header",
                 "symbols":{"DATE_IN_PAST":{"name":"DATE_IN_PAST","score":1.0},"TEST_SPAMMY":{"name":"TEST_SPAMMY","score":7.0},
                            "MID_RHS_NOT_FQDN":{"name":"MID_RHS_NOT_FQDN","score":0.5}},"messages":{}}
                """.getBytes(StandardCharsets.UTF_8));
        assertThat(result.action()).isEqualTo(Action.ADD_HEADER);
        assertThat(result.score()).isEqualTo(8.5);
        assertThat(result.symbols().keySet()).containsExactly("TEST_SPAMMY", "DATE_IN_PAST", "MID_RHS_NOT_FQDN");
        assertThatThrownBy(() -> Rspamd.parse("{\"error\":\"bad request\"}".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("bad request");
        assertThatThrownBy(() -> Rspamd.parse("{\"action\":\"quarantine\"}".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("unknown action");
    }

    @Test
    void ourFieldsAreFoldedAndReadBack() {
        Map<String, Double> symbols = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 12; i++) symbols.put("SOME_LONG_SYMBOL_NAME_" + i, 1.0);
        String fields = SpamCheck.headers(true, Action.ADD_HEADER, new Rspamd.Result(Action.ADD_HEADER, 12, 15, symbols));
        assertThat(fields).startsWith("X-Spam: Yes\r\nX-Spam-Score: 12.00\r\nX-Spam-Status: Yes, score=12.00 required=15.00 action=\"add header\"\r\n\ttests=")
                .endsWith("\r\n");
        assertThat(fields.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        assertThat(SpamVerdict.isSpam(fields + "From: a@b.test\r\n\r\nbody")).isTrue();
        assertThat(SpamVerdict.isSpam("Return-Path: <>\r\nX-Spam: No\r\nX-Spam: Yes\r\n\r\n")).as("the first field counts").isFalse();
        assertThat(SpamVerdict.isSpam("Subject: x\r\n\r\nX-Spam: Yes\r\n")).as("not in the body").isFalse();
        assertThat(SpamVerdict.isSpam("X-Spam-Status: Yes\r\n\r\n")).isFalse();
    }

    @Test
    void actionsNotHonouredFallBack() {
        var config = new Config.Spam();
        config.rspamdUrl = "http://127.0.12.1:1";
        config.actions = List.of("add header");
        var check = SpamCheck.of(config, "mail.example.test").orElseThrow();
        assertThat(check.effective(Action.REJECT)).isEqualTo(Action.ADD_HEADER);
        assertThat(check.effective(Action.GREYLIST)).isEqualTo(Action.NO_ACTION);
        assertThat(check.effective(Action.ADD_HEADER)).isEqualTo(Action.ADD_HEADER);
        assertThat(SpamCheck.of(new Config.Spam(), "mail.example.test")).as("off without an address").isEmpty();
    }

    @Test
    void junkIsFoundByItsSpecialUse() {
        assertThat(SpamVerdict.junkFolder(List.of(new Mailbox(1, 1, "INBOX", 1, 1, null, 0), new Mailbox(1, 2, "Spam", 1, 1, "\\Junk", 0)))).isEqualTo("Spam");
        assertThat(SpamVerdict.junkFolder(List.of(new Mailbox(1, 1, "INBOX", 1, 1, null, 0), new Mailbox(1, 2, "Junk", 1, 1, null, 0)))).isEqualTo("Junk");
        assertThat(SpamVerdict.junkFolder(List.of(new Mailbox(1, 1, "INBOX", 1, 1, null, 0)))).isEqualTo("INBOX");
    }

    @Test
    void blocklistNamesAreTheAddressReversed() throws Exception {
        assertThat(Dnsbl.reverse(InetAddress.getByName("192.0.2.99"))).isEqualTo("99.2.0.192");
        // RFC 5782 section 2.4's example
        assertThat(Dnsbl.reverse(InetAddress.getByName("2001:db8:1:2:3:4:567:89ab")))
                .isEqualTo("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2");
    }
}
