package mailroom.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.core.mail.MailboxNames;
import mailroom.imap.ImapException;
import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.SequenceSet;

/**
 * IMAP: the argument grammar (atoms, strings with inline literals, sequence sets, flags, dates,
 * mailbox patterns) driven by the fuzzer in any order over any bytes, where a malformed argument
 * must be {@link ImapException.Bad} and nothing else; sequence sets and modified UTF-7 mailbox
 * names round-trip; LIST's wildcard matcher finishes quickly whatever the pattern.
 */
public final class ImapFuzz {
    private ImapFuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        int[] steps = data.consumeInts(16);
        String pattern = data.consumeString(200);
        String name = data.consumeString(200);
        byte[] command = data.consumeRemainingAsBytes();

        ImapParser.nestingDepth(command);
        var p = new ImapParser(command);
        for (int step : steps) {
            int mark = p.mark();
            try {
                switch (Math.floorMod(step, 18)) {
                    case 0 -> p.tag();
                    case 1 -> p.atom();
                    case 2 -> p.astring();
                    case 3 -> p.string();
                    case 4 -> p.stringBytes();
                    case 5 -> p.nstring();
                    case 6 -> p.number();
                    case 7 -> p.listMailbox();
                    case 8 -> roundTrip(p.sequenceSet());
                    case 9 -> p.flag();
                    case 10 -> p.flagList();
                    case 11 -> p.dateTime();
                    case 12 -> p.date();
                    case 13 -> p.itemName();
                    case 14 -> p.sp();
                    case 15 -> p.expect('(');
                    case 16 -> p.end();
                    default -> p.reset(mark);
                }
            } catch (ImapException.Bad expected) {
                p.reset(mark); // handlers try another form after a Bad, as FETCH and SEARCH do
            }
            if (p.peek() < -1 || p.peek() > 255) throw new AssertionError("peek out of range");
        }
        p.rest();

        SequenceSet set = SequenceSet.parse(name);
        if (set != null) roundTrip(set);

        String decoded = MailboxNames.decodeUtf7(name);
        if (decoded != null && !decoded.equals(MailboxNames.decodeUtf7(MailboxNames.encodeUtf7(decoded)))) {
            throw new AssertionError("modified UTF-7 round trip: " + name);
        }
        MailboxNames.canonical(name);
        MailboxNames.parent(name);
        boolean matched = MailboxNames.matches(pattern, name);
        // the oracle backtracks, so only on patterns with few wildcards (its time grows as name^wildcards)
        if (pattern.length() <= 12 && name.length() <= 40 && pattern.chars().filter(c -> c == '*' || c == '%').count() <= 3
                && matched != name.matches(regex(pattern))) {
            throw new AssertionError("LIST pattern " + pattern + " on " + name + ": " + matched);
        }
    }

    /** RFC 3501 section 6.3.8 said as a regular expression, the oracle for short inputs. */
    private static String regex(String pattern) {
        var sb = new StringBuilder("(?s)");
        for (char c : pattern.toCharArray()) {
            if (c == '*') sb.append(".*");
            else if (c == '%') sb.append("[^").append(MailboxNames.DELIMITER).append("]*");
            else sb.append(java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return sb.toString();
    }

    private static void roundTrip(SequenceSet set) {
        if (set.saved()) return; // "$": no text of its own
        SequenceSet again = SequenceSet.parse(set.toString());
        if (again == null || !again.equals(set)) throw new AssertionError("sequence set round trip: " + set);
    }
}
