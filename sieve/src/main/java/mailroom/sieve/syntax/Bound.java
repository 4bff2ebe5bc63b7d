package mailroom.sieve.syntax;

import java.util.List;
import java.util.Map;

/**
 * A validated script: each command and test with its tags sorted out from its positional
 * arguments, ready to run. Comparing tests carry their match type, comparator and address part.
 */
public final class Bound {

    public record Command(String name, Map<String, Node.Argument> tags, List<Node.Argument> args,
                          List<Test> tests, List<Command> block, int line) {
        public boolean has(String tag) {
            return tags.containsKey(tag);
        }

        public String tagString(String tag) {
            return tags.get(tag) instanceof Node.Strings s ? s.single() : null;
        }

        public List<String> tagStrings(String tag) {
            return tags.get(tag) instanceof Node.Strings s ? s.values() : null;
        }

        public Long tagNumber(String tag) {
            return tags.get(tag) instanceof Node.Number n ? n.value() : null;
        }

        public String string(int i) {
            return ((Node.Strings) args.get(i)).single();
        }

        public List<String> strings(int i) {
            return ((Node.Strings) args.get(i)).values();
        }
    }

    /**
     * @param match      "is", "contains", "matches", "regex", "count" or "value"
     * @param relation   for "count" and "value": gt, ge, lt, le, eq or ne
     * @param comparator e.g. "i;ascii-casemap"
     * @param part       address part: "all", "localpart", "domain", "user" or "detail"
     */
    public record Test(String name, Map<String, Node.Argument> tags, List<Node.Argument> args, List<Test> tests,
                       String match, String relation, String comparator, String part, int line) {
        public boolean has(String tag) {
            return tags.containsKey(tag);
        }

        public String tagString(String tag) {
            return tags.get(tag) instanceof Node.Strings s ? s.single() : null;
        }

        public List<String> tagStrings(String tag) {
            return tags.get(tag) instanceof Node.Strings s ? s.values() : null;
        }

        public Long tagNumber(String tag) {
            return tags.get(tag) instanceof Node.Number n ? n.value() : null;
        }

        public String string(int i) {
            return ((Node.Strings) args.get(i)).single();
        }

        public List<String> strings(int i) {
            return ((Node.Strings) args.get(i)).values();
        }

        public long number(int i) {
            return ((Node.Number) args.get(i)).value();
        }
    }

    private Bound() {}
}
