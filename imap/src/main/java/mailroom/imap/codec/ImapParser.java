package mailroom.imap.codec;

import mailroom.imap.ImapException;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the arguments of one IMAP command (RFC 3501 section 9 / RFC 9051 section 9) from the
 * command's bytes, in which literals appear inline as "{n}CRLF" followed by n octets. No I/O: the
 * session has already collected the whole command. Each handler pulls the arguments it expects;
 * anything malformed raises {@link ImapException.Bad}.
 */
public final class ImapParser {
    /** RFC 3501 atom-specials: not allowed in atoms (besides CTL and SP). */
    private static final String ATOM_SPECIALS = "(){ %*\"\\]";
    private static final DateTimeFormatter DATE_TIME = new java.time.format.DateTimeFormatterBuilder()
            .parseCaseInsensitive().appendPattern("d-MMM-yyyy HH:mm:ss Z").toFormatter(Locale.ROOT);
    private static final DateTimeFormatter DATE = new java.time.format.DateTimeFormatterBuilder()
            .parseCaseInsensitive().appendPattern("d-MMM-yyyy").toFormatter(Locale.ROOT);

    private final byte[] in;
    private int pos;

    public ImapParser(byte[] input) {
        this.in = input;
    }

    public ImapParser(String input) {
        this(input.getBytes(StandardCharsets.UTF_8));
    }

    private static ImapException.Bad bad(String what) {
        return new ImapException.Bad(what);
    }

    public boolean atEnd() {
        return pos >= in.length;
    }

    public void end() throws ImapException.Bad {
        if (!atEnd()) throw bad("Unexpected characters at the end of the command");
    }

    public int peek() {
        return atEnd() ? -1 : in[pos] & 0xff;
    }

    public boolean tryConsume(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    public void expect(char c) throws ImapException.Bad {
        if (!tryConsume(c)) throw bad("Expected '" + c + "'");
    }

    public void sp() throws ImapException.Bad {
        if (!tryConsume(' ')) throw bad("Missing argument");
    }

    /** The rest of the command as text (for ID and debugging). */
    public String rest() {
        String s = new String(in, pos, in.length - pos, StandardCharsets.UTF_8);
        pos = in.length;
        return s;
    }

    private static boolean isAtomChar(int c) {
        return c > 0x20 && c != 0x7f && ATOM_SPECIALS.indexOf(c) < 0;
    }

    /** An atom: command names, flag keywords, search keys, fetch attributes. */
    public String atom() throws ImapException.Bad {
        int start = pos;
        while (!atEnd() && isAtomChar(peek())) pos++;
        if (pos == start) throw bad("Expected an atom");
        return new String(in, start, pos - start, StandardCharsets.UTF_8);
    }

    /** A name made of letters, digits, "." and "-": FETCH items, which may be followed by "[" or "<". */
    public String itemName() throws ImapException.Bad {
        int start = pos;
        while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '.' || peek() == '-')) pos++;
        if (pos == start) throw bad("Expected a data item");
        return new String(in, start, pos - start, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    }

    /** Like {@link #atom()} but also allowing "]" (astring characters). */
    private String astringAtom() throws ImapException.Bad {
        int start = pos;
        while (!atEnd() && (isAtomChar(peek()) || peek() == ']')) pos++;
        if (pos == start) throw bad("Expected a string");
        return new String(in, start, pos - start, StandardCharsets.UTF_8);
    }

    /** The tag: astring characters except "+". */
    public String tag() throws ImapException.Bad {
        int start = pos;
        while (!atEnd() && (isAtomChar(peek()) || peek() == ']') && peek() != '+') pos++;
        if (pos == start) throw bad("Missing tag");
        return new String(in, start, pos - start, StandardCharsets.US_ASCII);
    }

    public String astring() throws ImapException.Bad {
        int c = peek();
        boolean literal8 = c == '~' && pos + 1 < in.length && in[pos + 1] == '{';
        return c == '"' || c == '{' || literal8 ? string() : astringAtom();
    }

    /**
     * A quoted string or a literal, read as UTF-8. Bytes that are not UTF-8 are read as Latin-1:
     * some clients (Angus Mail after ENABLE UTF8=ACCEPT, for one) send 8-bit search strings that way.
     */
    public String string() throws ImapException.Bad {
        byte[] bytes = stringBytes();
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    public byte[] stringBytes() throws ImapException.Bad {
        int c = peek();
        if (c == '"') return quoted();
        if (c == '{' || c == '~') return literal();
        throw bad("Expected a string");
    }

    /** NIL or a string. */
    public String nstring() throws ImapException.Bad {
        if (peek() == 'N' || peek() == 'n') {
            String atom = atom();
            if (!atom.equalsIgnoreCase("NIL")) throw bad("Expected NIL or a string");
            return null;
        }
        return string();
    }

    private byte[] quoted() throws ImapException.Bad {
        expect('"');
        var out = new java.io.ByteArrayOutputStream();
        while (true) {
            if (atEnd()) throw bad("Unterminated quoted string");
            int c = in[pos++] & 0xff;
            if (c == '"') return out.toByteArray();
            if (c == '\\') {
                if (atEnd()) throw bad("Unterminated quoted string");
                c = in[pos++] & 0xff;
                if (c != '"' && c != '\\') throw bad("Only \\\" and \\\\ may be escaped in a quoted string");
            } else if (c == '\r' || c == '\n' || c == 0) {
                throw bad("Line break in a quoted string");
            }
            out.write(c);
        }
    }

    /** "{n}" or "{n+}" (or literal8 "~{n}"), CRLF, then n octets. */
    private byte[] literal() throws ImapException.Bad {
        tryConsume('~');
        expect('{');
        long n = number();
        tryConsume('+');
        tryConsume('-');
        expect('}');
        expect('\r');
        expect('\n');
        if (n > in.length - pos) throw bad("Literal longer than the command");
        byte[] bytes = java.util.Arrays.copyOfRange(in, pos, pos + (int) n);
        pos += (int) n;
        return bytes;
    }

    public long number() throws ImapException.Bad {
        int start = pos;
        while (!atEnd() && peek() >= '0' && peek() <= '9') pos++;
        if (pos == start || pos - start > 19) throw bad("Expected a number");
        try {
            return Long.parseLong(new String(in, start, pos - start, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) { // 19 digits above 2^63-1
            throw bad("Number too large");
        }
    }

    /** A mailbox pattern for LIST: list-chars (with % and *) or a string. */
    public String listMailbox() throws ImapException.Bad {
        int c = peek();
        if (c == '"' || c == '{') return string();
        int start = pos;
        while (!atEnd() && (isAtomChar(peek()) || peek() == '%' || peek() == '*' || peek() == ']')) pos++;
        if (pos == start) throw bad("Expected a mailbox pattern");
        return new String(in, start, pos - start, StandardCharsets.UTF_8);
    }

    public SequenceSet sequenceSet() throws ImapException.Bad {
        if (tryConsume('$')) return SequenceSet.SAVED;
        int start = pos;
        while (!atEnd() && (Character.isDigit(peek()) || peek() == ':' || peek() == ',' || peek() == '*')) pos++;
        var set = SequenceSet.parse(new String(in, start, pos - start, StandardCharsets.US_ASCII));
        if (set == null) throw bad("Invalid sequence set");
        return set;
    }

    /** True when a sequence set starts here (a digit or "*"). */
    public boolean atSequenceSet() {
        return Character.isDigit(peek()) || peek() == '*' || peek() == '$';
    }

    /** A flag: "\Seen" (system flags keep their backslash) or a keyword atom. */
    public String flag() throws ImapException.Bad {
        if (tryConsume('\\')) {
            if (tryConsume('*')) return "\\*";
            return "\\" + atom();
        }
        return atom();
    }

    /** "(" [flag *(SP flag)] ")" */
    public List<String> flagList() throws ImapException.Bad {
        expect('(');
        List<String> flags = new ArrayList<>();
        while (!tryConsume(')')) {
            if (!flags.isEmpty()) sp();
            flags.add(flag());
        }
        return flags;
    }

    /** APPEND's date-time: quoted "dd-Mon-yyyy hh:mm:ss +zzzz" (RFC 3501 section 9). */
    public ZonedDateTime dateTime() throws ImapException.Bad {
        String text = new String(quoted(), StandardCharsets.US_ASCII).strip();
        try {
            return ZonedDateTime.parse(text, DATE_TIME);
        } catch (DateTimeParseException e) {
            throw bad("Invalid date-time: " + text);
        }
    }

    /** SEARCH's date: "d-Mon-yyyy", bare or quoted. */
    public LocalDate date() throws ImapException.Bad {
        String text = peek() == '"' ? new String(quoted(), StandardCharsets.US_ASCII) : atom();
        try {
            return LocalDate.parse(text, DATE);
        } catch (DateTimeParseException e) {
            throw bad("Invalid date: " + text);
        }
    }

    /**
     * The deepest nesting of parentheses in a whole command, outside quoted strings and literals
     * (whose bytes are skipped); a cheap scan, so a command can be refused before it is parsed.
     */
    public static int nestingDepth(byte[] command) {
        int depth = 0, deepest = 0;
        for (int i = 0; i < command.length; i++) {
            switch (command[i]) {
                case '(' -> deepest = Math.max(deepest, ++depth);
                case ')' -> depth = Math.max(0, depth - 1);
                case '"' -> { // to the closing quote, minding escapes
                    for (i++; i < command.length && command[i] != '"'; i++) if (command[i] == '\\') i++;
                }
                case '{' -> { // "{n}" or "{n+}" then CRLF: skip the literal's n octets
                    int j = i + 1;
                    long n = 0;
                    while (j < command.length && command[j] >= '0' && command[j] <= '9' && n < Integer.MAX_VALUE) n = n * 10 + (command[j++] - '0');
                    if (j < command.length && (command[j] == '+' || command[j] == '-')) j++;
                    if (j + 2 < command.length && command[j] == '}' && command[j + 1] == '\r' && command[j + 2] == '\n') {
                        i = (int) Math.min(command.length, j + 2 + n);
                    }
                }
                default -> { }
            }
        }
        return deepest;
    }

    /** Position for a handler that needs to look ahead and come back. */
    public int mark() {
        return pos;
    }

    public void reset(int mark) {
        pos = mark;
    }
}
