package mailroom.jmap.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every method the server answers, with the capability that must be in "using" for it and what it
 * does to the account. The capabilities offered are derived from the table, never listed by hand.
 */
public final class MethodTable {
    public record Entry(String name, String capability, Access access, Method method) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public MethodTable add(String name, String capability, Access access, Method method) {
        if (entries.putIfAbsent(name, new Entry(name, capability, access, method)) != null) {
            throw new IllegalArgumentException("registered twice: " + name);
        }
        return this;
    }

    public Optional<Entry> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    public Set<String> capabilities() {
        Set<String> out = new TreeSet<>();
        entries.values().forEach(e -> out.add(e.capability()));
        return out;
    }
}
