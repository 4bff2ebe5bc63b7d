package mailroom.sieve.syntax;

import java.util.Map;
import java.util.Set;

import static java.util.Map.entry;

/**
 * What each command and test accepts, and which extension brings it: the vocabulary the
 * {@link Validator} checks a script against. Tags that every comparing test shares (match types,
 * comparators, address parts, {@code :index}) are listed once as groups.
 */
final class Language {

    /** Extensions a script may {@code require}: what Mailroom implements. */
    static final Set<String> EXTENSIONS = Set.of("fileinto", "reject", "ereject", "envelope", "body", "variables",
            "imap4flags", "copy", "relational", "subaddress", "date", "index", "regex", "include", "mailbox",
            "vacation", "vacation-seconds", "encoded-character",
            "comparator-i;octet", "comparator-i;ascii-casemap", "comparator-i;ascii-numeric");

    enum Value { NONE, STRING, STRINGS, NUMBER }

    enum Positional { STRING, STRINGS, NUMBER }

    /**
     * One command or test: the extension it needs (null for the base language), its tags with the
     * value each takes, the positional arguments (the first {@code optionalLeading} of which may be
     * left out), whether it takes tests, and whether it takes a block.
     */
    record Spec(String extension, Map<String, Value> tags, Positional[] positionals, int optionalLeading,
                int minTests, int maxTests, boolean block, boolean comparing, boolean addressPart) {}

    private static final Map<String, Value> NO_TAGS = Map.of();
    private static final Positional[] NONE = {};
    private static final Positional S = Positional.STRING, L = Positional.STRINGS, N = Positional.NUMBER;

    private static Spec action(String extension, Map<String, Value> tags, Positional... positionals) {
        return new Spec(extension, tags, positionals, 0, 0, 0, false, false, false);
    }

    private static Spec comparing(String extension, boolean addressPart, Map<String, Value> tags, int optionalLeading, Positional... positionals) {
        return new Spec(extension, tags, positionals, optionalLeading, 0, 0, false, true, addressPart);
    }

    static final Map<String, Spec> COMMANDS = Map.ofEntries(
            entry("require", action(null, NO_TAGS, L)),
            entry("if", new Spec(null, NO_TAGS, NONE, 0, 1, 1, true, false, false)),
            entry("elsif", new Spec(null, NO_TAGS, NONE, 0, 1, 1, true, false, false)),
            entry("else", new Spec(null, NO_TAGS, NONE, 0, 0, 0, true, false, false)),
            entry("stop", action(null, NO_TAGS)),
            entry("keep", action(null, Map.of("flags", Value.STRINGS))),
            entry("discard", action(null, NO_TAGS)),
            entry("redirect", action(null, Map.of("copy", Value.NONE), S)),
            entry("fileinto", action("fileinto", Map.of("copy", Value.NONE, "flags", Value.STRINGS, "create", Value.NONE), S)),
            entry("reject", action("reject", NO_TAGS, S)),
            entry("ereject", action("ereject", NO_TAGS, S)),
            entry("vacation", action("vacation", Map.of("days", Value.NUMBER, "seconds", Value.NUMBER, "subject", Value.STRING,
                    "from", Value.STRING, "addresses", Value.STRINGS, "mime", Value.NONE, "handle", Value.STRING), S)),
            entry("setflag", new Spec("imap4flags", NO_TAGS, new Positional[]{S, L}, 1, 0, 0, false, false, false)),
            entry("addflag", new Spec("imap4flags", NO_TAGS, new Positional[]{S, L}, 1, 0, 0, false, false, false)),
            entry("removeflag", new Spec("imap4flags", NO_TAGS, new Positional[]{S, L}, 1, 0, 0, false, false, false)),
            entry("set", action("variables", Map.of("lower", Value.NONE, "upper", Value.NONE, "lowerfirst", Value.NONE,
                    "upperfirst", Value.NONE, "quotewildcard", Value.NONE, "quoteregex", Value.NONE, "length", Value.NONE), S, S)),
            entry("include", action("include", Map.of("personal", Value.NONE, "global", Value.NONE, "once", Value.NONE, "optional", Value.NONE), S)),
            entry("return", action("include", NO_TAGS)),
            entry("global", action("include", NO_TAGS, L)));

    static final Map<String, Spec> TESTS = Map.ofEntries(
            entry("address", comparing(null, true, Map.of("index", Value.NUMBER, "last", Value.NONE), 0, L, L)),
            entry("header", comparing(null, false, Map.of("index", Value.NUMBER, "last", Value.NONE), 0, L, L)),
            entry("envelope", comparing("envelope", true, NO_TAGS, 0, L, L)),
            entry("exists", action(null, NO_TAGS, L)),
            entry("size", action(null, Map.of("over", Value.NONE, "under", Value.NONE), N)),
            entry("allof", new Spec(null, NO_TAGS, NONE, 0, 1, Integer.MAX_VALUE, false, false, false)),
            entry("anyof", new Spec(null, NO_TAGS, NONE, 0, 1, Integer.MAX_VALUE, false, false, false)),
            entry("not", new Spec(null, NO_TAGS, NONE, 0, 1, 1, false, false, false)),
            entry("true", action(null, NO_TAGS)),
            entry("false", action(null, NO_TAGS)),
            entry("body", comparing("body", false, Map.of("raw", Value.NONE, "content", Value.STRINGS, "text", Value.NONE), 0, L)),
            entry("string", comparing("variables", false, NO_TAGS, 0, L, L)),
            entry("hasflag", comparing("imap4flags", false, NO_TAGS, 1, L, L)),
            entry("date", comparing("date", false, Map.of("zone", Value.STRING, "originalzone", Value.NONE,
                    "index", Value.NUMBER, "last", Value.NONE), 0, S, S, L)),
            entry("currentdate", comparing("date", false, Map.of("zone", Value.STRING), 0, S, L)),
            entry("mailboxexists", action("mailbox", NO_TAGS, L)));

    /** Tags every comparing test takes: match types (the extension each needs) and the comparator. */
    static final Map<String, String> MATCH_TYPES = Map.of("is", "", "contains", "", "matches", "", "regex", "regex",
            "count", "relational", "value", "relational");

    /** Address parts, and the extension each needs. */
    static final Map<String, String> ADDRESS_PARTS = Map.of("all", "", "localpart", "", "domain", "", "user", "subaddress", "detail", "subaddress");

    /** Tags whose extension differs from their command's. */
    static final Map<String, String> TAG_EXTENSIONS = Map.of("copy", "copy", "flags", "imap4flags", "create", "mailbox",
            "seconds", "vacation-seconds", "index", "index", "last", "index", "quoteregex", "regex");

    private Language() {}
}
