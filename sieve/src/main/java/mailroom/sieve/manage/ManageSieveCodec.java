package mailroom.sieve.manage;

import mailroom.core.net.Connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of ManageSieve (RFC 5804 section 4): a command is an atom followed by strings
 * (quoted, or literals {@code {n+}} / {@code {n}} with their octets on the following lines) and
 * numbers; answers are OK, NO or BYE with an optional response code and a human-readable string.
 */
final class ManageSieveCodec {
    /** Longest command line apart from literals. */
    static final int MAX_LINE = 8192;

    private ManageSieveCodec() {}

    /** A parsed command: its name upper-cased, and its arguments (strings, or numbers as Long). */
    record Command(String name, List<Object> arguments) {
        String string(int i) throws ManageSieveException {
            if (i >= arguments.size() || !(arguments.get(i) instanceof String s)) throw new ManageSieveException(null, name + " needs a string as argument " + (i + 1));
            return s;
        }

        long number(int i) throws ManageSieveException {
            if (i >= arguments.size() || !(arguments.get(i) instanceof Long n)) throw new ManageSieveException(null, name + " needs a number as argument " + (i + 1));
            return n;
        }

        void expect(int count) throws ManageSieveException {
            if (arguments.size() != count) throw new ManageSieveException(null, name + " takes " + count + " argument" + (count == 1 ? "" : "s"));
        }
    }

    /** A literal longer than the session allows: answered, its octets skipped. */
    static final class LiteralTooLarge extends ManageSieveException {
        LiteralTooLarge(long max) {
            super("QUOTA/MAXSIZE", "Literal larger than " + max + " octets");
        }
    }

    /**
     * Reads one command, literals included; null at end of stream. A literal above
     * {@code maxLiteral} is read and dropped (up to {@code hardLimit}, beyond which the connection
     * is not worth keeping) and reported as {@link LiteralTooLarge} once the command has ended.
     */
    static Command read(Connection c, long maxLiteral, long hardLimit) throws IOException, ManageSieveException {
        String line = c.readLineUtf8(MAX_LINE);
        if (line == null) return null;
        List<Object> tokens = new ArrayList<>();
        boolean tooLarge = false;
        while (true) {
            Parse p = new Parse(line);
            p.tokens(tokens);
            if (p.literal < 0) break;
            if (p.literal > hardLimit) throw new IOException("literal of " + p.literal + " octets");
            if (p.literal > maxLiteral) {
                c.skipBytes(p.literal);
                tooLarge = true;
                tokens.add("");
            } else {
                tokens.add(new String(c.readBytes((int) p.literal), StandardCharsets.UTF_8));
            }
            line = c.readLineUtf8(MAX_LINE); // the rest of the command follows the literal's octets
            if (line == null) return null;
        }
        if (tokens.isEmpty() || !(tokens.get(0) instanceof Atom name)) throw new ManageSieveException(null, "Expected a command");
        if (tooLarge) throw new LiteralTooLarge(maxLiteral);
        List<Object> arguments = new ArrayList<>();
        for (Object t : tokens.subList(1, tokens.size())) {
            if (t instanceof Atom a) throw new ManageSieveException(null, "Unexpected " + a.text() + ": strings must be quoted");
            arguments.add(t);
        }
        return new Command(name.text().toUpperCase(java.util.Locale.ROOT), arguments);
    }

    /** A client's answer to a SASL challenge: one string, quoted or literal; null at end of stream. */
    static String readResponse(Connection c) throws IOException, ManageSieveException {
        String line = c.readLineUtf8(MAX_LINE);
        if (line == null) return null;
        List<Object> tokens = new ArrayList<>();
        Parse p = new Parse(line);
        p.tokens(tokens);
        if (p.literal >= 0) {
            if (p.literal > MAX_LINE) throw new IOException("SASL response of " + p.literal + " octets");
            tokens.add(new String(c.readBytes((int) p.literal), StandardCharsets.UTF_8));
            if (c.readLineUtf8(MAX_LINE) == null) return null;
        }
        if (tokens.size() != 1 || !(tokens.get(0) instanceof String s)) throw new ManageSieveException(null, "Expected a string");
        return s;
    }

    private record Atom(String text) {}

    /** Tokens of one line; {@code literal} is the size announced at its end, or -1. */
    private static final class Parse {
        final String line;
        int pos;
        long literal = -1;

        Parse(String line) {
            this.line = line;
        }

        void tokens(List<Object> out) throws ManageSieveException {
            while (true) {
                while (pos < line.length() && line.charAt(pos) == ' ') pos++;
                if (pos >= line.length()) return;
                char ch = line.charAt(pos);
                if (ch == '"') {
                    out.add(quoted());
                } else if (ch == '{') {
                    int close = line.indexOf('}', pos);
                    if (close != line.length() - 1) throw new ManageSieveException(null, "A literal's size must end the line");
                    String size = line.substring(pos + 1, close);
                    if (size.endsWith("+")) size = size.substring(0, size.length() - 1);
                    if (!size.matches("[0-9]{1,12}")) throw new ManageSieveException(null, "Bad literal size");
                    literal = Long.parseLong(size);
                    return;
                } else {
                    int start = pos;
                    while (pos < line.length() && line.charAt(pos) != ' ') pos++;
                    String word = line.substring(start, pos);
                    out.add(word.matches("[0-9]{1,18}") ? (Object) Long.valueOf(word) : new Atom(word));
                }
            }
        }

        private String quoted() throws ManageSieveException {
            StringBuilder s = new StringBuilder();
            pos++;
            while (pos < line.length()) {
                char ch = line.charAt(pos++);
                if (ch == '"') return s.toString();
                if (ch == '\\') {
                    if (pos >= line.length()) break;
                    ch = line.charAt(pos++);
                    if (ch != '"' && ch != '\\') throw new ManageSieveException(null, "Only \\\" and \\\\ may be escaped in a quoted string");
                }
                s.append(ch);
            }
            throw new ManageSieveException(null, "Unterminated quoted string");
        }
    }

    /** A string in the form the client reads most easily: quoted when it can be, a literal otherwise. */
    static String string(String s) {
        boolean quotable = s.length() <= 1024 && s.chars().noneMatch(ch -> ch == '\r' || ch == '\n' || ch == 0);
        if (quotable) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return "{" + s.getBytes(StandardCharsets.UTF_8).length + "}\r\n" + s;
    }

    /** "OK", "NO" or "BYE", with a response code and text when given. */
    static String response(String status, String code, String text) {
        StringBuilder r = new StringBuilder(status);
        if (code != null) r.append(" (").append(code).append(")");
        if (text != null) r.append(" ").append(string(text));
        return r.append("\r\n").toString();
    }
}
