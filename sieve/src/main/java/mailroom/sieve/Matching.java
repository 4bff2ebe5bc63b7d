package mailroom.sieve;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Comparators (RFC 4790 as Sieve uses them: i;octet, i;ascii-casemap, i;ascii-numeric) and match
 * types (:is, :contains, :matches, :regex, and RFC 5231's :count and :value). A successful :matches
 * or :regex leaves the matched parts for ${0}..${9} (RFC 5229 section 3.2).
 */
final class Matching {
    private final String match;
    private final String relation;
    private final String comparator;
    private List<String> captured;

    Matching(String match, String relation, String comparator) {
        this.match = match;
        this.relation = relation;
        this.comparator = comparator;
    }

    /** The match variables the successful comparison left, or null when none (or when it failed). */
    List<String> captured() {
        return captured;
    }

    /** True when any value matches any key (for :count, when the number of values does). */
    boolean test(List<String> values, List<String> keys) throws RuntimeSieveError {
        if (match.equals("count")) {
            String count = Integer.toString(values.size());
            for (String key : keys) if (relate(compare(count, key, "i;ascii-numeric"))) return true;
            return false;
        }
        for (String value : values) for (String key : keys) if (matchOne(value, key)) return true;
        return false;
    }

    private boolean matchOne(String value, String key) throws RuntimeSieveError {
        return switch (match) {
            case "is" -> compare(value, key, comparator) == 0;
            case "contains" -> fold(value).contains(fold(key));
            case "value" -> relate(compare(value, key, comparator));
            case "matches" -> capture(wildcard(key), key, value, true);
            case "regex" -> capture(regex(key), key, value, false);
            default -> throw new IllegalStateException(match);
        };
    }

    /**
     * Characters a match may read, beyond 50 per character of the value: far more than any sane
     * pattern needs, and reached in well under a second by one that backtracks without end.
     */
    static final long MATCH_STEPS = 5_000_000;

    private boolean capture(Pattern pattern, String key, String value, boolean whole) throws RuntimeSieveError {
        // The sender chooses the header a pattern runs over; a pattern such as "*a*a*a...b" or
        // "(.*a){12}b" backtracks exponentially on the right value and would hold a delivery worker
        // for ever. Counted, it ends as a runtime error, and the message is kept.
        Matcher m = pattern.matcher(new Budgeted(value, MATCH_STEPS + 50L * value.length()));
        try {
            if (!(whole ? m.matches() : m.find())) return false;
        } catch (Budgeted.Exhausted e) {
            throw new RuntimeSieveError("matching \"" + (key.length() > 60 ? key.substring(0, 60) + "..." : key) + "\" took too long");
        }
        List<String> groups = new java.util.ArrayList<>();
        for (int i = 0; i <= Math.min(m.groupCount(), 9); i++) groups.add(m.group(i) == null ? "" : m.group(i));
        captured = groups;
        return true;
    }

    private boolean relate(int c) {
        return switch (relation) {
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            default -> throw new IllegalStateException(relation);
        };
    }

    private String fold(String s) {
        return comparator.equals("i;ascii-casemap") ? asciiUpper(s) : s;
    }

    static int compare(String a, String b, String comparator) {
        return switch (comparator) {
            case "i;ascii-numeric" -> {
                BigInteger x = leadingNumber(a), y = leadingNumber(b);
                if (x == null || y == null) yield x == y ? 0 : x == null ? 1 : -1; // no digits: positive infinity
                yield x.compareTo(y);
            }
            case "i;ascii-casemap" -> asciiUpper(a).compareTo(asciiUpper(b));
            default -> a.compareTo(b);
        };
    }

    private static BigInteger leadingNumber(String s) {
        int end = 0;
        while (end < s.length() && s.charAt(end) >= '0' && s.charAt(end) <= '9') end++;
        return end == 0 ? null : new BigInteger(s.substring(0, end));
    }

    static String asciiUpper(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') {
                if (out == null) out = new StringBuilder(s);
                out.setCharAt(i, (char) (c - 32));
            }
        }
        return out == null ? s : out.toString();
    }

    /** A :matches key as a regular expression: each * and ? a group, shortest first (leftmost-shortest). */
    /** Compiled keys: a script's keys are the same for every message, so each is compiled once. */
    private static final java.util.Map<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int PATTERN_CACHE_LIMIT = 10_000;

    private static Pattern cached(String kind, String key, int flags, java.util.function.Supplier<Pattern> compile) {
        String cacheKey = kind + flags + ":" + key;
        Pattern p = PATTERNS.get(cacheKey);
        if (p != null) return p;
        p = compile.get();
        if (PATTERNS.size() >= PATTERN_CACHE_LIMIT) PATTERNS.clear();
        PATTERNS.put(cacheKey, p);
        return p;
    }

    private Pattern wildcard(String key) {
        return cached("w", key, flags(), () -> compileWildcard(key));
    }

    private Pattern compileWildcard(String key) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' && i + 1 < key.length()) {
                literal.append(key.charAt(++i));
            } else if (c == '*' || c == '?') {
                if (!literal.isEmpty()) re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
                re.append(c == '*' ? "(.*?)" : "(.)");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) re.append(Pattern.quote(literal.toString()));
        return Pattern.compile(re.toString(), flags());
    }

    private Pattern regex(String key) throws RuntimeSieveError {
        try {
            return cached("r", key, flags(), () -> Pattern.compile(key, flags()));
        } catch (PatternSyntaxException e) {
            throw new RuntimeSieveError("invalid regular expression \"" + key + "\"");
        }
    }

    /** The value a matcher runs over, counting the characters it reads. */
    private static final class Budgeted implements CharSequence {
        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super(null, null, false, false);
            }
        }

        private final String text;
        private long left;

        Budgeted(String text, long budget) {
            this.text = text;
            this.left = budget;
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) throw new Exhausted();
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.substring(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private int flags() {
        // Without UNICODE_CASE, CASE_INSENSITIVE folds ASCII only, as i;ascii-casemap does.
        return Pattern.DOTALL | (comparator.equals("i;ascii-casemap") ? Pattern.CASE_INSENSITIVE : 0);
    }
}
