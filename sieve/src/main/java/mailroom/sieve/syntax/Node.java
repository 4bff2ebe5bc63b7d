package mailroom.sieve.syntax;

import java.util.List;

/** The syntax tree of a Sieve script (RFC 5228 section 8.2): commands, tests and their arguments. */
public sealed interface Node {

    int line();

    /** A command with its arguments, its test or tests, and its block ({@code if}, {@code elsif}, {@code else}). */
    record Command(String name, List<Argument> arguments, List<Test> tests, List<Command> block, int line) implements Node {}

    /** A test: an identifier with arguments and, for {@code allof}/{@code anyof}/{@code not}, nested tests. */
    record Test(String name, List<Argument> arguments, List<Test> tests, int line) implements Node {}

    /** A positional or tagged argument. */
    sealed interface Argument extends Node {}

    /** {@code :tag}, kept without the colon, lower-cased. */
    record Tag(String name, int line) implements Argument {}

    /** A number, its K/M/G quantifier applied. */
    record Number(long value, int line) implements Argument {}

    /** A single string or a string list; {@code list} tells which the script wrote. */
    record Strings(List<String> values, boolean list, int line) implements Argument {
        public String single() {
            return values.get(0);
        }
    }
}
