package mailroom.core.protocol;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A protocol's commands: verb, the session states it is valid in, and its handler. Sessions dispatch
 * through it, reject commands in the wrong state in one place, and derive what they advertise
 * (EHLO keywords, CAPA, CAPABILITY) from it, so the advertisement cannot drift from what is served.
 *
 * @param <S> the protocol's session states
 * @param <H> the protocol's handler type
 */
public final class CommandTable<S extends Enum<S>, H> {

    public record Entry<S, H>(String verb, Set<S> states, H handler) {}

    private final Map<String, Entry<S, H>> entries = new LinkedHashMap<>();

    public CommandTable<S, H> add(String verb, Set<S> states, H handler) {
        String key = verb.toUpperCase(Locale.ROOT);
        if (entries.containsKey(key)) throw new IllegalArgumentException("duplicate command " + key);
        entries.put(key, new Entry<>(key, Set.copyOf(states), handler));
        return this;
    }

    public Optional<Entry<S, H>> lookup(String verb) {
        return Optional.ofNullable(entries.get(verb.toUpperCase(Locale.ROOT)));
    }

    public Collection<Entry<S, H>> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }
}
