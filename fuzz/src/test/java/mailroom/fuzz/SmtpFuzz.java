package mailroom.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.core.mail.EmailAddress;
import mailroom.core.net.Connection;
import mailroom.core.net.LineTooLongException;
import mailroom.smtp.SmtpCodec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * SMTP and LMTP (one codec serves both): command lines read as the sessions read them, with the
 * per-verb length limits; MAIL/RCPT paths and their ESMTP parameters; xtext, NOTIFY and ORCPT
 * (RFC 3461); addresses. Nothing may throw, and what has a writer round-trips.
 */
public final class SmtpFuzz {
    private SmtpFuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) throws IOException {
        boolean utf8 = data.consumeBoolean();
        String extra = data.consumeString(64);
        byte[] wire = data.consumeRemainingAsBytes();
        try (var c = new Connection(new MemorySocket(wire), "fuzz")) {
            while (true) {
                byte[] raw;
                try {
                    raw = c.readLine(SmtpCodec.MAX_AUTH_LINE);
                } catch (LineTooLongException e) {
                    continue; // answered 500 5.5.2 by the session; the next read drops the rest
                }
                if (raw == null) break;
                if (raw.length > SmtpCodec.MAX_AUTH_LINE) throw new AssertionError("line over the limit: " + raw.length);
                command(new String(raw, StandardCharsets.UTF_8), utf8);
            }
        }
        command(extra, utf8);
        xtext(extra);
    }

    private static void command(String line, boolean utf8) {
        SmtpCodec.Command cmd = SmtpCodec.parseCommand(line);
        if (!cmd.verb().equals(cmd.verb().toUpperCase(java.util.Locale.ROOT))) throw new AssertionError("verb not upper case");
        SmtpCodec.commandLineLimit(cmd.verb());
        SmtpCodec.isBarePostmaster(cmd.argument());
        for (String keyword : new String[] {"FROM", "TO"}) {
            SmtpCodec.parsePath(cmd.argument(), keyword, keyword.equals("FROM"), utf8).ifPresent(path -> {
                SmtpCodec.pathTooLong(path);
                if (!path.isNullPath()) {
                    EmailAddress a = path.address();
                    // what we write back in a Received header or a DSN must parse to the same address
                    EmailAddress again = EmailAddress.parse(a.toString(), true)
                            .orElseThrow(() -> new AssertionError("address does not re-parse: " + a));
                    if (!again.equals(a)) throw new AssertionError(a + " re-parses as " + again);
                }
                path.params().forEach((key, value) -> {
                    if (key.equals("NOTIFY")) SmtpCodec.parseNotify(value);
                    if (key.equals("ORCPT")) SmtpCodec.parseOrcpt(value);
                    if (key.equals("ENVID")) SmtpCodec.decodeXtext(value);
                });
            });
        }
        SmtpCodec.isEndOfData(line.getBytes(StandardCharsets.UTF_8));
    }

    private static void xtext(String text) {
        SmtpCodec.decodeXtext(text);
        SmtpCodec.parseNotify(text);
        SmtpCodec.parseOrcpt(text);
        if (!text.equals(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))) return; // lone surrogates have no UTF-8 form
        String encoded = SmtpCodec.encodeXtext(text);
        String decoded = SmtpCodec.decodeXtext(encoded).orElseThrow(() -> new AssertionError("our xtext is refused: " + encoded));
        if (!decoded.equals(text)) throw new AssertionError("xtext round trip: " + text + " -> " + decoded);
    }
}
