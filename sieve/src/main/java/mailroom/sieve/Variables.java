package mailroom.sieve;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Variable storage and string expansion (RFC 5229): ${name}, ${global.name} (RFC 6609), match
 * variables ${0}..${9}, and RFC 5228's encoded characters ${hex:..} and ${unicode:..}. One instance
 * per script; globals are shared between a script and what it includes.
 */
final class Variables {
    /** Longest value a variable keeps: a script cannot grow memory without bound. */
    static final int MAX_LENGTH = 4096;

    private final Map<String, String> locals = new HashMap<>();
    private final Map<String, String> globals;
    private final Set<String> declaredGlobal = new java.util.HashSet<>();
    private final boolean expandVariables;
    private final boolean expandEncoded;
    private List<String> matches = List.of();

    Variables(Map<String, String> globals, Set<String> required) {
        this.globals = globals;
        this.expandVariables = required.contains("variables");
        this.expandEncoded = required.contains("encoded-character");
    }

    void declareGlobal(String name) {
        declaredGlobal.add(name.toLowerCase(Locale.ROOT));
    }

    void set(String name, String value) {
        String key = name.toLowerCase(Locale.ROOT);
        if (value.length() > MAX_LENGTH) value = value.substring(0, MAX_LENGTH);
        if (key.startsWith("global.")) globals.put(key.substring(7), value);
        else if (declaredGlobal.contains(key)) globals.put(key, value);
        else locals.put(key, value);
    }

    String get(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (key.startsWith("global.")) return globals.getOrDefault(key.substring(7), "");
        if (declaredGlobal.contains(key)) return globals.getOrDefault(key, "");
        return locals.getOrDefault(key, "");
    }

    void setMatches(List<String> captured) {
        if (captured != null) matches = captured;
    }

    String expand(String s) {
        if ((!expandVariables && !expandEncoded) || s.indexOf("${") < 0) return s;
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf("${", i);
            int close = open < 0 ? -1 : s.indexOf('}', open + 2);
            if (open < 0 || close < 0) {
                out.append(s, i, s.length());
                break;
            }
            String inner = s.substring(open + 2, close);
            String replacement = replacement(inner);
            if (replacement == null) {
                out.append(s, i, open + 2); // not a reference: keep "${" and scan on after it
                i = open + 2;
            } else {
                out.append(s, i, open).append(replacement);
                i = close + 1;
            }
        }
        return out.toString();
    }

    List<String> expand(List<String> list) {
        return list.stream().map(this::expand).toList();
    }

    private String replacement(String inner) {
        if (expandEncoded) {
            String lower = inner.toLowerCase(Locale.ROOT);
            if (lower.startsWith("hex:")) return decodeHex(inner.substring(4));
            if (lower.startsWith("unicode:")) return decodeUnicode(inner.substring(8));
        }
        if (!expandVariables) return null;
        if (inner.matches("[0-9]+")) {
            int n = Integer.parseInt(inner.length() > 3 ? "999" : inner);
            return n < matches.size() ? matches.get(n) : "";
        }
        if (inner.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) return get(inner);
        return null;
    }

    private static String decodeHex(String hex) {
        String[] pairs = hex.strip().split("\\s+");
        byte[] bytes = new byte[pairs.length];
        try {
            for (int i = 0; i < pairs.length; i++) {
                if (pairs[i].isEmpty() || pairs[i].length() > 2) return null;
                bytes[i] = (byte) Integer.parseInt(pairs[i], 16);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String decodeUnicode(String hex) {
        StringBuilder out = new StringBuilder();
        try {
            for (String cp : hex.strip().split("\\s+")) {
                if (cp.isEmpty()) return null;
                out.appendCodePoint(Integer.parseInt(cp, 16));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return out.toString();
    }
}
