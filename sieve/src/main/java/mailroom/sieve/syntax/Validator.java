package mailroom.sieve.syntax;

import mailroom.sieve.syntax.Language.Positional;
import mailroom.sieve.syntax.Language.Spec;
import mailroom.sieve.syntax.Language.Value;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a parsed script against the language (RFC 5228 section 3.2 {@code require} first, known
 * commands and tests, their arguments, extensions required before use) and binds its arguments.
 * Every error names the line, so ManageSieve's PUTSCRIPT can tell the user where.
 */
public final class Validator {
    private static final Set<String> RELATIONS = Set.of("gt", "ge", "lt", "le", "eq", "ne");
    private static final Set<String> COMPARATORS = Set.of("i;octet", "i;ascii-casemap", "i;ascii-numeric");

    private final Set<String> required = new HashSet<>();

    private Validator() {}

    /** The bound commands, and the extensions the script requires. */
    public record Result(List<Bound.Command> commands, Set<String> required) {}

    public static Result validate(List<Node.Command> commands) throws SieveException {
        Validator v = new Validator();
        List<Bound.Command> bound = v.block(commands, true);
        return new Result(bound, Set.copyOf(v.required));
    }

    private List<Bound.Command> block(List<Node.Command> commands, boolean topLevel) throws SieveException {
        List<Bound.Command> bound = new ArrayList<>();
        boolean requiresAllowed = topLevel;
        String previous = null;
        for (Node.Command c : commands) {
            if (c.name().equals("require")) {
                if (!requiresAllowed) throw new SieveException(c.line(), "require must come before any other command");
                for (String extension : strings(c, 0)) {
                    if (!Language.EXTENSIONS.contains(extension)) throw new SieveException(c.line(), "unsupported extension \"" + extension + "\"");
                    required.add(extension);
                }
            } else {
                requiresAllowed = false;
            }
            if ((c.name().equals("elsif") || c.name().equals("else")) && !("if".equals(previous) || "elsif".equals(previous)))
                throw new SieveException(c.line(), c.name() + " without a preceding if");
            bound.add(command(c));
            previous = c.name();
        }
        return bound;
    }

    private Bound.Command command(Node.Command c) throws SieveException {
        Spec spec = Language.COMMANDS.get(c.name());
        if (spec == null) {
            if (Language.TESTS.containsKey(c.name())) throw new SieveException(c.line(), "'" + c.name() + "' is a test, not a command");
            throw new SieveException(c.line(), "unknown command '" + c.name() + "'");
        }
        needs(spec.extension(), c.name(), c.line());
        if (c.name().equals("global")) needs("variables", c.name(), c.line());
        if (spec.block() && c.block() == null) throw new SieveException(c.line(), c.name() + " needs a block");
        if (!spec.block() && c.block() != null) throw new SieveException(c.line(), c.name() + " takes no block");
        if (spec.maxTests() == 0 && !c.tests().isEmpty()) // "redirect "x"  keep;": the next command was read as a test
            throw new SieveException(c.tests().get(0).line(), "missing ';' after " + c.name() + " (before '" + c.tests().get(0).name() + "')");
        checkTestCount(spec, c.name(), c.tests().size(), c.line());
        Map<String, Node.Argument> tags = new LinkedHashMap<>();
        List<Node.Argument> args = bindArguments(spec, c.name(), c.arguments(), tags, null, c.line());
        List<Bound.Test> tests = new ArrayList<>();
        for (Node.Test t : c.tests()) tests.add(test(t));
        List<Bound.Command> block = c.block() == null ? null : block(c.block(), false);
        if (c.name().equals("vacation") && tags.containsKey("days") && tags.containsKey("seconds"))
            throw new SieveException(c.line(), "vacation takes :days or :seconds, not both");
        if (c.name().equals("include") && tags.containsKey("personal") && tags.containsKey("global"))
            throw new SieveException(c.line(), "include takes :personal or :global, not both");
        if (c.name().equals("set")) checkVariableName(((Node.Strings) args.get(0)).single(), c.line());
        return new Bound.Command(c.name(), Map.copyOf(tags), List.copyOf(args), List.copyOf(tests), block, c.line());
    }

    private Bound.Test test(Node.Test t) throws SieveException {
        Spec spec = Language.TESTS.get(t.name());
        if (spec == null) {
            if (Language.COMMANDS.containsKey(t.name())) throw new SieveException(t.line(), "'" + t.name() + "' is a command, not a test");
            throw new SieveException(t.line(), "unknown test '" + t.name() + "'");
        }
        needs(spec.extension(), t.name(), t.line());
        checkTestCount(spec, t.name(), t.tests().size(), t.line());
        Map<String, Node.Argument> tags = new LinkedHashMap<>();
        Comparing comparing = new Comparing();
        List<Node.Argument> args = bindArguments(spec, t.name(), t.arguments(), tags, comparing, t.line());
        List<Bound.Test> tests = new ArrayList<>();
        for (Node.Test inner : t.tests()) tests.add(test(inner));
        if (t.name().equals("size") && tags.containsKey("over") == tags.containsKey("under"))
            throw new SieveException(t.line(), "size needs exactly one of :over and :under");
        if (t.name().equals("body") && (tags.containsKey("raw") ? 1 : 0) + (tags.containsKey("content") ? 1 : 0) + (tags.containsKey("text") ? 1 : 0) > 1)
            throw new SieveException(t.line(), "body takes one of :raw, :content and :text");
        if (tags.containsKey("last") && !tags.containsKey("index")) throw new SieveException(t.line(), ":last needs :index");
        if (spec.comparing()) checkComparing(comparing, args, t.line());
        return new Bound.Test(t.name(), Map.copyOf(tags), List.copyOf(args), List.copyOf(tests),
                comparing.match, comparing.relation, comparing.comparator, comparing.part, t.line());
    }

    /** The match type, comparator and address part a comparing test was given. */
    private static final class Comparing {
        String match = "is";
        String relation;
        String comparator = "i;ascii-casemap";
        String part = "all";
        boolean matchSet, comparatorSet, partSet;
    }

    private List<Node.Argument> bindArguments(Spec spec, String name, List<Node.Argument> given, Map<String, Node.Argument> tags,
                                              Comparing comparing, int line) throws SieveException {
        List<Node.Argument> positional = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            Node.Argument a = given.get(i);
            if (!(a instanceof Node.Tag tag)) {
                positional.add(a);
                continue;
            }
            if (!positional.isEmpty()) throw new SieveException(tag.line(), "tag :" + tag.name() + " must come before " + name + "'s other arguments");
            if (comparing != null && spec.comparing() && bindComparing(tag, given, i, comparing, spec.addressPart())) {
                if (tag.name().equals("comparator") || tag.name().equals("count") || tag.name().equals("value")) i++;
                continue;
            }
            Value value = spec.tags().get(tag.name());
            if (value == null) throw new SieveException(tag.line(), name + " has no tag :" + tag.name());
            String extension = Language.TAG_EXTENSIONS.get(tag.name());
            if (extension != null) needs(extension, ":" + tag.name(), tag.line());
            if (tags.containsKey(tag.name())) throw new SieveException(tag.line(), "tag :" + tag.name() + " given twice");
            Node.Argument tagValue = tag;
            if (value != Value.NONE) {
                if (i + 1 >= given.size()) throw new SieveException(tag.line(), ":" + tag.name() + " needs a value");
                tagValue = given.get(++i);
                boolean ok = switch (value) {
                    case NUMBER -> tagValue instanceof Node.Number;
                    case STRING -> tagValue instanceof Node.Strings s && s.values().size() == 1;
                    case STRINGS -> tagValue instanceof Node.Strings;
                    case NONE -> true;
                };
                if (!ok) throw new SieveException(tag.line(), ":" + tag.name() + " needs " + article(value));
            }
            tags.put(tag.name(), tagValue);
        }
        Positional[] wanted = spec.positionals();
        int missing = wanted.length - positional.size();
        if (missing < 0 || missing > spec.optionalLeading())
            throw new SieveException(line, name + " takes " + wanted.length + " argument" + (wanted.length == 1 ? "" : "s") + ", given " + positional.size());
        for (int i = 0; i < positional.size(); i++) {
            Positional kind = wanted[i + missing];
            Node.Argument a = positional.get(i);
            boolean ok = switch (kind) {
                case NUMBER -> a instanceof Node.Number;
                case STRING -> a instanceof Node.Strings s && s.values().size() == 1;
                case STRINGS -> a instanceof Node.Strings;
            };
            if (!ok) throw new SieveException(a.line(), name + " argument " + (i + 1) + " must be " + article(kind));
        }
        return positional;
    }

    private boolean bindComparing(Node.Tag tag, List<Node.Argument> given, int i, Comparing c, boolean addressPart) throws SieveException {
        String name = tag.name();
        if (Language.MATCH_TYPES.containsKey(name)) {
            if (c.matchSet) throw new SieveException(tag.line(), "only one match type may be given");
            needs(Language.MATCH_TYPES.get(name), ":" + name, tag.line());
            c.match = name;
            c.matchSet = true;
            if (name.equals("count") || name.equals("value")) {
                if (i + 1 >= given.size() || !(given.get(i + 1) instanceof Node.Strings s) || s.values().size() != 1
                        || !RELATIONS.contains(s.single().toLowerCase()))
                    throw new SieveException(tag.line(), ":" + name + " needs a relation: \"gt\", \"ge\", \"lt\", \"le\", \"eq\" or \"ne\"");
                c.relation = s.single().toLowerCase();
            }
            return true;
        }
        if (name.equals("comparator")) {
            if (c.comparatorSet) throw new SieveException(tag.line(), "only one comparator may be given");
            if (i + 1 >= given.size() || !(given.get(i + 1) instanceof Node.Strings s) || s.values().size() != 1)
                throw new SieveException(tag.line(), ":comparator needs a string");
            String comparator = s.single().toLowerCase();
            if (!COMPARATORS.contains(comparator)) throw new SieveException(tag.line(), "unknown comparator \"" + s.single() + "\"");
            if (!comparator.equals("i;octet") && !comparator.equals("i;ascii-casemap")) needs("comparator-" + comparator, "comparator " + comparator, tag.line());
            c.comparator = comparator;
            c.comparatorSet = true;
            return true;
        }
        if (addressPart && Language.ADDRESS_PARTS.containsKey(name)) {
            if (c.partSet) throw new SieveException(tag.line(), "only one address part may be given");
            needs(Language.ADDRESS_PARTS.get(name), ":" + name, tag.line());
            c.part = name;
            c.partSet = true;
            return true;
        }
        return false;
    }

    private void checkComparing(Comparing c, List<Node.Argument> args, int line) throws SieveException {
        if (c.comparator.equals("i;ascii-numeric") && (c.match.equals("contains") || c.match.equals("matches") || c.match.equals("regex")))
            throw new SieveException(line, "comparator i;ascii-numeric cannot be used with :" + c.match);
        if (c.match.equals("regex") && !required.contains("variables")) {
            Node.Argument keys = args.get(args.size() - 1);
            if (keys instanceof Node.Strings s) for (String key : s.values()) {
                try {
                    Pattern.compile(key);
                } catch (PatternSyntaxException e) {
                    throw new SieveException(line, "invalid regular expression \"" + key + "\"");
                }
            }
        }
    }

    private void checkTestCount(Spec spec, String name, int count, int line) throws SieveException {
        if (count < spec.minTests()) throw new SieveException(line, name + " needs " + (spec.maxTests() == 1 ? "a test" : "a list of tests"));
        if (count > spec.maxTests()) throw new SieveException(line, name + (spec.maxTests() == 0 ? " takes no test" : " takes one test"));
    }

    private void needs(String extension, String what, int line) throws SieveException {
        if (extension != null && !extension.isEmpty() && !required.contains(extension))
            throw new SieveException(line, what + " needs require \"" + extension + "\"");
    }

    private static void checkVariableName(String name, int line) throws SieveException {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*"))
            throw new SieveException(line, "invalid variable name \"" + name + "\"");
    }

    private static List<String> strings(Node.Command c, int i) throws SieveException {
        if (c.arguments().size() != 1 || !(c.arguments().get(i) instanceof Node.Strings s))
            throw new SieveException(c.line(), c.name() + " needs a string list");
        return s.values();
    }

    private static String article(Object kind) {
        return switch (kind.toString()) {
            case "NUMBER" -> "a number";
            case "STRING" -> "a string";
            default -> "a string list";
        };
    }
}
