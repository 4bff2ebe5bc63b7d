package mailroom.sieve;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Flag lists of RFC 5232: space-separated names, duplicates dropped without regard to case. */
final class Flags {
    private Flags() {}

    static Set<String> parse(List<String> strings) {
        Set<String> flags = new LinkedHashSet<>();
        for (String s : strings) for (String flag : s.strip().split("\\s+")) if (!flag.isEmpty()) add(flags, flag);
        return flags;
    }

    static Set<String> add(Set<String> current, Set<String> more) {
        Set<String> result = new LinkedHashSet<>(current);
        for (String flag : more) add(result, flag);
        return result;
    }

    static Set<String> remove(Set<String> current, Set<String> gone) {
        Set<String> result = new LinkedHashSet<>(current);
        for (String flag : gone) result.removeIf(f -> f.equalsIgnoreCase(flag));
        return result;
    }

    private static void add(Set<String> flags, String flag) {
        if (flags.stream().noneMatch(f -> f.equalsIgnoreCase(flag))) flags.add(flag);
    }
}
