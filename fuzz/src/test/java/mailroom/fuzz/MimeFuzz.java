package mailroom.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.core.mime.MessageParser;
import mailroom.core.mime.MimePart;
import mailroom.core.mime.ParsedMessage;
import mailroom.sieve.MessageView;

import java.util.List;

/**
 * MIME: whatever arrived was accepted and must be fetchable, so the parser never throws and every
 * part's offsets stay inside the message and in order; the Sieve view of the same bytes (decoded
 * header fields, addresses, decoded body parts) never throws either.
 */
public final class MimeFuzz {
    private MimeFuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        String field = data.consumeString(20);
        byte[] raw = data.consumeRemainingAsBytes();
        ParsedMessage parsed = MessageParser.parse(raw);
        check(parsed.root(), raw.length, 0);

        var view = new MessageView(raw, parsed);
        for (String name : List.of("from", "to", "subject", "date", field)) {
            view.header(name);
            view.rawHeader(name);
            view.addresses(name);
        }
        view.rawBody();
        view.content(List.of("text"));
        view.content(List.of(""));
        view.content(List.of("text/html", "multipart"));
    }

    private static void check(MimePart part, long size, int depth) {
        if (depth > 1000) throw new AssertionError("parts nested deeper than 1000");
        if (part.headerStart() < 0 || part.headerStart() > part.bodyStart() || part.bodyStart() > part.bodyEnd() || part.bodyEnd() > size) {
            throw new AssertionError("offsets out of order or outside the message: " + part.headerStart() + " " + part.bodyStart() + " " + part.bodyEnd() + " of " + size);
        }
        for (MimePart p : part.parts()) check(p, size, depth + 1);
        if (part.message() != null) check(part.message(), size, depth + 1);
    }
}
