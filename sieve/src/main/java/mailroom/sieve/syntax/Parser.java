package mailroom.sieve.syntax;

import mailroom.sieve.syntax.Lexer.Kind;
import mailroom.sieve.syntax.Lexer.Token;
import mailroom.sieve.syntax.Node.Argument;
import mailroom.sieve.syntax.Node.Command;
import mailroom.sieve.syntax.Node.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * The grammar of RFC 5228 section 8.2 by recursive descent: it knows the shape of commands, tests
 * and arguments, not what any command means (that is {@link Validator}'s).
 */
public final class Parser {
    /** Deep nesting is refused rather than risking the stack: no real rule nests this far. */
    private static final int MAX_DEPTH = 64;

    private final List<Token> tokens;
    private int pos;
    private int depth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    public static List<Command> parse(String source) throws SieveException {
        Parser parser = new Parser(Lexer.tokens(source));
        List<Command> commands = parser.commands();
        Token end = parser.peek();
        if (end.kind() != Kind.END) throw new SieveException(end.line(), "unexpected '" + end.text() + "'");
        return commands;
    }

    private List<Command> commands() throws SieveException {
        List<Command> commands = new ArrayList<>();
        while (peek().kind() == Kind.IDENTIFIER) commands.add(command());
        return commands;
    }

    private Command command() throws SieveException {
        Token name = take(Kind.IDENTIFIER, "a command");
        List<Argument> arguments = arguments();
        List<Test> tests = testsAfterArguments();
        Token next = peek();
        if (next.kind() == Kind.SEMICOLON) {
            pos++;
            return new Command(name.text(), arguments, tests, null, name.line());
        }
        if (next.kind() == Kind.LEFT_BRACE) {
            pos++;
            enter(next);
            List<Command> block = commands();
            take(Kind.RIGHT_BRACE, "'}' or a command");
            depth--;
            return new Command(name.text(), arguments, tests, block, name.line());
        }
        throw new SieveException(next.line(), "expected ';' or '{' after " + name.text() + ", found " + describe(next));
    }

    private Test test() throws SieveException {
        Token name = take(Kind.IDENTIFIER, "a test");
        enter(name);
        Test test = new Test(name.text(), arguments(), testsAfterArguments(), name.line());
        depth--;
        return test;
    }

    private List<Test> testsAfterArguments() throws SieveException {
        Token next = peek();
        if (next.kind() == Kind.IDENTIFIER) return List.of(test());
        if (next.kind() != Kind.LEFT_PAREN) return List.of();
        pos++;
        List<Test> tests = new ArrayList<>();
        tests.add(test());
        while (peek().kind() == Kind.COMMA) {
            pos++;
            tests.add(test());
        }
        take(Kind.RIGHT_PAREN, "')' or ','");
        return tests;
    }

    private List<Argument> arguments() throws SieveException {
        List<Argument> arguments = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case TAG -> arguments.add(new Node.Tag(t.text(), t.line()));
                case NUMBER -> arguments.add(new Node.Number(t.number(), t.line()));
                case STRING -> arguments.add(new Node.Strings(List.of(t.text()), false, t.line()));
                case LEFT_BRACKET -> {
                    arguments.add(stringList());
                    continue;
                }
                default -> {
                    return arguments;
                }
            }
            pos++;
        }
    }

    private Node.Strings stringList() throws SieveException {
        Token open = take(Kind.LEFT_BRACKET, "'['");
        List<String> values = new ArrayList<>();
        values.add(take(Kind.STRING, "a string").text());
        while (peek().kind() == Kind.COMMA) {
            pos++;
            values.add(take(Kind.STRING, "a string").text());
        }
        take(Kind.RIGHT_BRACKET, "']' or ','");
        return new Node.Strings(values, true, open.line());
    }

    private void enter(Token at) throws SieveException {
        if (++depth > MAX_DEPTH) throw new SieveException(at.line(), "nested too deeply");
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token take(Kind kind, String expected) throws SieveException {
        Token t = peek();
        if (t.kind() != kind) throw new SieveException(t.line(), "expected " + expected + ", found " + describe(t));
        pos++;
        return t;
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case END -> "the end of the script";
            case STRING -> "a string";
            case NUMBER -> "number " + t.text();
            case TAG -> "':" + t.text() + "'";
            default -> "'" + t.text() + "'";
        };
    }
}
