package mailroom.sieve;

import mailroom.sieve.syntax.Bound;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Sieve's tests (RFC 5228 section 5 and the extensions'): each one gathers the values it compares
 * and hands them to {@link Matching}; match variables of a successful test are kept.
 */
final class Tests {
    private final Interpreter run;
    private final Variables vars;

    Tests(Interpreter run, Variables vars) {
        this.run = run;
        this.vars = vars;
    }

    boolean test(Bound.Test t) throws RuntimeSieveError {
        MessageView m = run.message;
        return switch (t.name()) {
            case "true" -> true;
            case "false" -> false;
            case "not" -> !test(t.tests().get(0));
            case "allof" -> {
                for (Bound.Test inner : t.tests()) if (!test(inner)) yield false;
                yield true;
            }
            case "anyof" -> {
                for (Bound.Test inner : t.tests()) if (test(inner)) yield true;
                yield false;
            }
            case "exists" -> vars.expand(t.strings(0)).stream().allMatch(name -> !m.header(name).isEmpty());
            case "size" -> t.has("over") ? m.size() > t.number(0) : m.size() < t.number(0);
            case "header" -> compare(t, indexed(t, headerValues(t.strings(0))), t.strings(1));
            case "address" -> compare(t, addressParts(t, indexed(t, addressValues(t.strings(0)))), t.strings(1));
            case "envelope" -> compare(t, addressParts(t, envelopeValues(t.strings(0))), t.strings(1));
            case "body" -> compare(t, bodyValues(t), t.strings(0));
            case "string" -> compare(t, nonEmptyForCount(t, vars.expand(t.strings(0))), t.strings(1));
            case "hasflag" -> compare(t, flagValues(t), splitKeys(vars.expand(t.strings(t.args().size() - 1))));
            case "date" -> compare(t, DateParts.ofHeader(indexed(t, dateValues(vars.expand(t.string(0)))), vars.expand(t.string(1)),
                    t.has("originalzone") ? null : zone(t)), t.strings(2));
            case "currentdate" -> compare(t, DateParts.ofNow(run.environment.now(), vars.expand(t.string(0)), zone(t)), t.strings(1));
            case "mailboxexists" -> vars.expand(t.strings(0)).stream().allMatch(run.environment::mailboxExists);
            default -> throw new IllegalStateException("unhandled test " + t.name());
        };
    }

    private boolean compare(Bound.Test t, List<String> values, List<String> keys) throws RuntimeSieveError {
        Matching matching = new Matching(t.match(), t.relation(), t.comparator());
        boolean matched = matching.test(values, vars.expand(keys));
        if (matched) vars.setMatches(matching.captured());
        return matched;
    }

    /** RFC 5260 section 4: in a Received field the date is what follows the last semicolon. */
    private List<String> dateValues(String header) {
        List<String> values = run.message.rawHeader(header);
        if (!header.equalsIgnoreCase("Received")) return values;
        return values.stream().map(v -> v.substring(v.lastIndexOf(';') + 1)).toList();
    }

    private List<String> headerValues(List<String> names) {
        List<String> values = new ArrayList<>();
        for (String name : vars.expand(names)) values.addAll(run.message.header(name));
        return values;
    }

    /** Address headers' addresses, one list per field so that :index can count fields. */
    private List<List<String>> addressValues(List<String> names) {
        List<List<String>> fields = new ArrayList<>();
        for (String name : vars.expand(names)) fields.addAll(run.message.addresses(name));
        return fields;
    }

    /** RFC 5260 section 7: :index N counts fields from the top, or with :last from the bottom. */
    private <T> List<T> indexed(Bound.Test t, List<T> fields) {
        Long index = t.tagNumber("index");
        if (index == null) return fields;
        int i = (int) (t.has("last") ? fields.size() - index : index - 1);
        return i < 0 || i >= fields.size() || index < 1 ? List.of() : List.of(fields.get(i));
    }

    private static List<String> addressParts(Bound.Test t, List<List<String>> fields) {
        List<String> parts = new ArrayList<>();
        for (List<String> addresses : fields) for (String address : addresses) part(address, t.part()).ifPresent(parts::add);
        return parts;
    }

    /** The envelope's addresses by name, each as a field of one address; unknown parts (e.g. "auth") have none. */
    private List<List<String>> envelopeValues(List<String> names) {
        List<List<String>> values = new ArrayList<>();
        for (String name : vars.expand(names)) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "from" -> values.add(List.of(run.envelope.from()));
                case "to" -> values.add(List.of(run.envelope.originalTo())); // as RCPT TO gave it, +detail and all
                default -> { }
            }
        }
        return values;
    }

    /** RFC 5228 section 2.7.4 and RFC 5233: which part of an address a test compares. */
    static Optional<String> part(String address, String part) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at + 1);
        int plus = local.indexOf('+');
        return switch (part) {
            case "localpart" -> Optional.of(local);
            case "domain" -> Optional.of(domain);
            case "user" -> Optional.of(plus < 0 ? local : local.substring(0, plus));
            case "detail" -> plus < 0 ? Optional.empty() : Optional.of(local.substring(plus + 1));
            default -> Optional.of(address);
        };
    }

    private List<String> bodyValues(Bound.Test t) {
        if (t.has("raw")) return List.of(run.message.rawBody());
        List<String> types = t.has("content") ? vars.expand(t.tagStrings("content")) : List.of("text");
        return run.message.content(types);
    }

    /** RFC 5229 section 5: for :count, the string test counts only non-empty strings. */
    private static List<String> nonEmptyForCount(Bound.Test t, List<String> values) {
        return t.match().equals("count") ? values.stream().filter(v -> !v.isEmpty()).toList() : values;
    }

    private List<String> flagValues(Bound.Test t) {
        if (t.args().size() == 1) return List.copyOf(run.flags);
        List<String> stored = new ArrayList<>();
        for (String name : t.strings(0)) stored.add(vars.get(name));
        return List.copyOf(Flags.parse(stored));
    }

    private static List<String> splitKeys(List<String> keys) {
        List<String> split = new ArrayList<>();
        for (String k : keys) for (String flag : k.strip().split("\\s+")) if (!flag.isEmpty()) split.add(flag);
        return split;
    }

    private java.time.ZoneId zone(Bound.Test t) {
        String zone = t.tagString("zone");
        if (zone == null) return run.environment.zone();
        return DateParts.zone(vars.expand(zone)).orElse(run.environment.zone());
    }
}
