package mailroom.imap.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * A sequence set (RFC 3501 section 9, "sequence-set"): ranges of message numbers or UIDs in which
 * "*" stands for the largest number in use. Ranges are stored as given ("5:2" is "2:5") and resolved
 * against the mailbox when used.
 */
public record SequenceSet(List<Range> ranges, boolean saved) {
    /** "*" before resolution. */
    public static final long STAR = -1;

    /** "$": the result saved by SEARCH RETURN (SAVE) (RFC 5182), resolved by the session. */
    public static final SequenceSet SAVED = new SequenceSet(List.of(), true);

    public SequenceSet(List<Range> ranges) {
        this(ranges, false);
    }

    public record Range(long from, long to) {
        long low(long max) {
            return Math.min(value(from, max), value(to, max));
        }

        long high(long max) {
            return Math.max(value(from, max), value(to, max));
        }

        private static long value(long n, long max) {
            return n == STAR ? max : n;
        }
    }

    /** True when {@code n} is in the set, with "*" meaning {@code max}. */
    public boolean contains(long n, long max) {
        for (Range r : ranges) if (n >= r.low(max) && n <= r.high(max)) return true;
        return false;
    }

    /** Parses "1:4,7,9:*"; null when it is not a sequence set. */
    public static SequenceSet parse(String text) {
        List<Range> ranges = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            int colon = part.indexOf(':');
            long from = number(colon < 0 ? part : part.substring(0, colon));
            long to = colon < 0 ? from : number(part.substring(colon + 1));
            if (from == 0 || to == 0) return null;
            ranges.add(new Range(from, to));
        }
        return new SequenceSet(List.copyOf(ranges));
    }

    /** A number, "*" as {@link #STAR}, or 0 for anything else (0 is not a valid sequence number). */
    private static long number(String s) {
        if (s.equals("*")) return STAR;
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit) || s.charAt(0) == '0') return 0;
        long n = Long.parseLong(s);
        return n > 0xFFFFFFFFL ? 0 : n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Range r : ranges) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(r.from == STAR ? "*" : Long.toString(r.from));
            if (r.to != r.from) sb.append(':').append(r.to == STAR ? "*" : Long.toString(r.to));
        }
        return sb.toString();
    }

    /** Renders sorted numbers compactly, "1:3,7": for COPYUID, ESEARCH and the like. */
    public static String compact(List<Long> sorted) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) j++;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(sorted.get(i));
            if (j > i) sb.append(':').append(sorted.get(j));
            i = j + 1;
        }
        return sb.toString();
    }
}
