package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Json;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * JMAP keywords and IMAP flags are one set (RFC 8621 section 4.1.1): the four system flags map to
 * $seen, $flagged, $answered and $draft; other keywords are IMAP keywords as they are. \Deleted and
 * \Recent have no JMAP form and are not shown.
 */
final class Keywords {
    private static final Map<String, String> SYSTEM = Map.of("\\seen", "$seen", "\\flagged", "$flagged", "\\answered", "$answered", "\\draft", "$draft");
    private static final Map<String, String> FLAGS = Map.of("$seen", "\\Seen", "$flagged", "\\Flagged", "$answered", "\\Answered", "$draft", "\\Draft");
    /** RFC 8621: the IMAP atom characters less those IMAP gives meaning to. */
    private static final Pattern KEYWORD = Pattern.compile("[\\x21-\\x7e&&[^(){\\]%*\"\\\\]]{1,255}");

    private Keywords() {}

    static ObjectNode of(Set<String> flags) {
        ObjectNode o = Json.object();
        for (String f : flags) {
            String lower = f.toLowerCase(Locale.ROOT);
            if (lower.startsWith("\\")) {
                if (SYSTEM.containsKey(lower)) o.put(SYSTEM.get(lower), true);
            } else {
                o.put(lower, true);
            }
        }
        return o;
    }

    static boolean has(Set<String> flags, String keyword) {
        String flag = flag(keyword);
        return flags.stream().anyMatch(f -> f.equalsIgnoreCase(flag));
    }

    static String flag(String keyword) {
        String lower = keyword.toLowerCase(Locale.ROOT);
        return FLAGS.getOrDefault(lower, lower);
    }

    /** The flags a copy keeps: all but \Recent and \Deleted, which belong to one mailbox's session. */
    static Set<String> storable(Set<String> flags) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String f : flags) if (!f.equalsIgnoreCase("\\Recent") && !f.equalsIgnoreCase("\\Deleted")) out.add(f);
        return out;
    }

    static boolean valid(String keyword) {
        return KEYWORD.matcher(keyword).matches();
    }
}
