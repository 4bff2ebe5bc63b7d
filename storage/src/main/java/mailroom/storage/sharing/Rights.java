package mailroom.storage.sharing;

import java.util.Optional;

/**
 * A set of the access rights of RFC 4314 section 2.1, kept as the canonical string of its letters
 * in the RFC's order. The obsolete "c" and "d" of RFC 2086 are accepted as the rights they grew
 * into (section 2.1.1): "c" is "k" with "x", "d" is "e" with "t" and "x"; a list shows "c" or "d"
 * when all of its parts are present, so older clients still read it.
 */
public record Rights(String letters) {
    /** Every right this server knows, in the order RFC 4314 lists them. */
    public static final String ALL_LETTERS = "lrswipkxtea";
    public static final Rights ALL = new Rights(ALL_LETTERS);
    public static final Rights NONE = new Rights("");

    public Rights {
        letters = canonical(letters);
    }

    /** The rights named by a string of letters; empty when one of them is not a right (a BAD reply in IMAP, section 3.1). */
    public static Optional<Rights> parse(String text) {
        StringBuilder out = new StringBuilder();
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case 'c' -> out.append("kx");
                case 'd' -> out.append("etx");
                default -> {
                    if (ALL_LETTERS.indexOf(ch) < 0) return Optional.empty();
                    out.append(ch);
                }
            }
        }
        return Optional.of(new Rights(out.toString()));
    }

    private static String canonical(String letters) {
        StringBuilder out = new StringBuilder();
        for (char ch : ALL_LETTERS.toCharArray()) if (letters.indexOf(ch) >= 0) out.append(ch);
        return out.toString();
    }

    public boolean has(char right) {
        return letters.indexOf(right) >= 0;
    }

    public boolean isEmpty() {
        return letters.isEmpty();
    }

    public Rights plus(Rights other) {
        return new Rights(letters + other.letters);
    }

    public Rights minus(Rights other) {
        StringBuilder out = new StringBuilder();
        for (char ch : letters.toCharArray()) if (!other.has(ch)) out.append(ch);
        return new Rights(out.toString());
    }

    /** The letters with "c" and "d" added where all their parts are present, for GETACL and MYRIGHTS. */
    public String withObsolete() {
        String shown = letters;
        if (has('k') && has('x')) shown += "c";
        if (has('e') && has('t') && has('x')) shown += "d";
        return shown;
    }

    @Override
    public String toString() {
        return letters;
    }
}
