package mailroom.sieve.syntax;

import java.util.List;
import java.util.Map;

/**
 * A validated script: each command and test with its tags sorted out from its positional
 * arguments, ready to run. Comparing tests carry their match type, comparator and address part.
 */
public final class Bound {

    /** What commands and tests share: tags by name (without the colon) and positional arguments. */
    public interface Arguments {
        Map<String, Node.Argument> tags();

        List<Node.Argument> args();

        default boolean has(String tag) {
            return tags().containsKey(tag);
        }

        default String tagString(String tag) {
            return tags().get(tag) instanceof Node.Strings s ? s.single() : null;
        }

        default List<String> tagStrings(String tag) {
            return tags().get(tag) instanceof Node.Strings s ? s.values() : null;
        }

        default Long tagNumber(String tag) {
            return tags().get(tag) instanceof Node.Number n ? n.value() : null;
        }

        default String string(int i) {
            return ((Node.Strings) args().get(i)).single();
        }

        default List<String> strings(int i) {
            return ((Node.Strings) args().get(i)).values();
        }

        default long number(int i) {
            return ((Node.Number) args().get(i)).value();
        }
    }

    public record Command(String name, Map<String, Node.Argument> tags, List<Node.Argument> args,
                          List<Test> tests, List<Command> block, int line) implements Arguments {}

    /**
     * @param match      "is", "contains", "matches", "regex", "count" or "value"
     * @param relation   for "count" and "value": gt, ge, lt, le, eq or ne
     * @param comparator e.g. "i;ascii-casemap"
     * @param part       address part: "all", "localpart", "domain", "user" or "detail"
     */
    public record Test(String name, Map<String, Node.Argument> tags, List<Node.Argument> args, List<Test> tests,
                       String match, String relation, String comparator, String part, int line) implements Arguments {}

    private Bound() {}
}
