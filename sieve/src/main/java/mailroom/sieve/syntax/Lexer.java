package mailroom.sieve.syntax;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Splits a script into tokens (RFC 5228 section 8.1), dropping comments and white space. */
final class Lexer {

    enum Kind { IDENTIFIER, TAG, NUMBER, STRING, LEFT_BRACKET, RIGHT_BRACKET, LEFT_PAREN, RIGHT_PAREN, LEFT_BRACE, RIGHT_BRACE, COMMA, SEMICOLON, END }

    record Token(Kind kind, String text, long number, int line) {}

    private final String source;
    private int pos;
    private int line = 1;

    private Lexer(String source) {
        this.source = source;
    }

    static List<Token> tokens(String source) throws SieveException {
        Lexer lexer = new Lexer(source);
        List<Token> tokens = new ArrayList<>();
        Token token;
        do {
            token = lexer.next();
            tokens.add(token);
        } while (token.kind() != Kind.END);
        return tokens;
    }

    private Token next() throws SieveException {
        skipBlanksAndComments();
        if (pos >= source.length()) return token(Kind.END, "");
        char c = source.charAt(pos);
        return switch (c) {
            case '[' -> single(Kind.LEFT_BRACKET);
            case ']' -> single(Kind.RIGHT_BRACKET);
            case '(' -> single(Kind.LEFT_PAREN);
            case ')' -> single(Kind.RIGHT_PAREN);
            case '{' -> single(Kind.LEFT_BRACE);
            case '}' -> single(Kind.RIGHT_BRACE);
            case ',' -> single(Kind.COMMA);
            case ';' -> single(Kind.SEMICOLON);
            case '"' -> quoted();
            case ':' -> tag();
            default -> {
                if (c >= '0' && c <= '9') yield number();
                if (isIdentifierStart(c)) yield identifierOrMultiline();
                throw new SieveException(line, "unexpected character '" + c + "'");
            }
        };
    }

    private void skipBlanksAndComments() throws SieveException {
        while (pos < source.length()) {
            char c = source.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '#') {
                while (pos < source.length() && source.charAt(pos) != '\n') pos++;
            } else if (c == '/' && source.startsWith("/*", pos)) {
                int start = line;
                int end = source.indexOf("*/", pos + 2);
                if (end < 0) throw new SieveException(start, "unterminated comment");
                countLines(pos, end);
                pos = end + 2;
            } else {
                return;
            }
        }
    }

    private Token single(Kind kind) {
        pos++;
        return token(kind, source.substring(pos - 1, pos));
    }

    /** A quoted string: only {@code \"} and {@code \\} are escapes; any other backslash is dropped (section 2.4.2). */
    private Token quoted() throws SieveException {
        int startLine = line;
        StringBuilder text = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= source.length()) throw new SieveException(startLine, "unterminated string");
            char c = source.charAt(pos++);
            if (c == '"') break;
            if (c == '\\') {
                if (pos >= source.length()) throw new SieveException(startLine, "unterminated string");
                c = source.charAt(pos++);
            }
            if (c == '\n') line++;
            text.append(c);
        }
        return new Token(Kind.STRING, text.toString(), 0, startLine);
    }

    private Token tag() throws SieveException {
        pos++;
        if (pos >= source.length() || !isIdentifierStart(source.charAt(pos))) throw new SieveException(line, "a tag needs a name after ':'");
        return token(Kind.TAG, identifier().toLowerCase(Locale.ROOT));
    }

    private Token number() throws SieveException {
        int start = pos;
        while (pos < source.length() && Character.isDigit(source.charAt(pos))) pos++;
        long value;
        try {
            value = Long.parseLong(source.substring(start, pos));
        } catch (NumberFormatException e) {
            throw new SieveException(line, "number too large");
        }
        if (pos < source.length()) {
            long scale = switch (Character.toUpperCase(source.charAt(pos))) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                default -> 1;
            };
            if (scale > 1) pos++;
            value *= scale;
        }
        return new Token(Kind.NUMBER, source.substring(start, pos), value, line);
    }

    private Token identifierOrMultiline() throws SieveException {
        int startLine = line;
        String name = identifier();
        if (name.equalsIgnoreCase("text") && pos < source.length() && source.charAt(pos) == ':') {
            pos++;
            return multiline(startLine);
        }
        return new Token(Kind.IDENTIFIER, name.toLowerCase(Locale.ROOT), 0, startLine);
    }

    /**
     * {@code text:} up to a line holding a single dot (section 8.1): the rest of the first line may
     * hold only blanks and a hash comment; a line starting with a dot has that dot doubled.
     */
    private Token multiline(int startLine) throws SieveException {
        int eol = source.indexOf('\n', pos);
        if (eol < 0) throw new SieveException(startLine, "unterminated multi-line string");
        String rest = source.substring(pos, eol).strip();
        if (!rest.isEmpty() && !rest.startsWith("#")) throw new SieveException(startLine, "text: must end its line");
        pos = eol + 1;
        line++;
        StringBuilder text = new StringBuilder();
        while (true) {
            if (pos >= source.length()) throw new SieveException(startLine, "unterminated multi-line string");
            int end = source.indexOf('\n', pos);
            String raw = end < 0 ? source.substring(pos) : source.substring(pos, end + 1);
            pos = end < 0 ? source.length() : end + 1;
            line++;
            String content = raw.endsWith("\r\n") ? raw.substring(0, raw.length() - 2) : raw.endsWith("\n") ? raw.substring(0, raw.length() - 1) : raw;
            if (content.equals(".")) break;
            if (content.startsWith("..")) content = content.substring(1);
            text.append(content).append("\r\n");
        }
        return new Token(Kind.STRING, text.toString(), 0, startLine);
    }

    private String identifier() {
        int start = pos;
        while (pos < source.length() && isIdentifierPart(source.charAt(pos))) pos++;
        return source.substring(start, pos);
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) if (source.charAt(i) == '\n') line++;
    }

    private Token token(Kind kind, String text) {
        return new Token(kind, text, 0, line);
    }

    private static boolean isIdentifierStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || (c >= '0' && c <= '9');
    }
}
