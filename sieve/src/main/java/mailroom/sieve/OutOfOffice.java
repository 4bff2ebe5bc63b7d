package mailroom.sieve;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An out-of-office set without writing Sieve (CLI, admin API, console): it becomes a generated
 * script that answers between two dates and then runs the rules that were active before, so
 * setting it never costs the user their own filters. The settings ride in the script as one
 * comment line, so the script alone says what was set.
 *
 * @param from    first day of absence, or null (from now)
 * @param until   last day of absence, or null (until turned off)
 * @param keeps   the script that was active when this was set, run after the reply; or null
 */
public record OutOfOffice(LocalDate from, LocalDate until, String subject, String body, int days, String keeps) {
    /** The generated script's name: the user's own scripts keep theirs. */
    public static final String SCRIPT = "mailroom-vacation";
    private static final String MARK = "# mailroom-vacation: ";
    private static final ObjectMapper JSON = new ObjectMapper();

    public OutOfOffice {
        if (body == null || body.isBlank()) throw new IllegalArgumentException("an out-of-office needs a message");
        if (from != null && until != null && until.isBefore(from)) throw new IllegalArgumentException("it ends before it begins");
        if (days < 1) throw new IllegalArgumentException("days must be 1 or more");
    }

    public OutOfOffice keeping(String script) {
        return new OutOfOffice(from, until, subject, body, days, script);
    }

    /** The Sieve script; it compiles (the tests check every form). */
    public String script() {
        List<String> requires = new ArrayList<>(List.of("vacation"));
        if (from != null || until != null) requires.addAll(List.of("date", "relational"));
        if (keeps != null) requires.add("include");
        StringBuilder s = new StringBuilder();
        s.append("# Out of office, set with Mailroom (mailroom vacation, the admin API or the console).\n");
        s.append("# Changes made here are replaced the next time it is set.\n");
        s.append(MARK).append(settings()).append('\n');
        s.append("require [").append(String.join(", ", requires.stream().map(OutOfOffice::quote).toList())).append("];\n");
        List<String> tests = new ArrayList<>();
        if (from != null) tests.add("currentdate :value \"ge\" \"date\" " + quote(from.toString()));
        if (until != null) tests.add("currentdate :value \"le\" \"date\" " + quote(until.toString()));
        String vacation = "vacation :days " + days + (subject == null || subject.isBlank() ? "" : " :subject " + quote(subject)) + " text:\n"
                + body.replace("\r\n", "\n").lines().map(l -> l.startsWith(".") ? "." + l : l).reduce("", (a, l) -> a + l + "\n") + ".\n;\n";
        if (tests.isEmpty()) s.append(vacation);
        else s.append("if allof (").append(String.join(", ", tests)).append(") {\n").append(vacation).append("}\n");
        if (keeps != null) s.append("include :personal :optional ").append(quote(keeps)).append(";\n");
        return s.toString();
    }

    /** The settings a generated script was made from; empty for any other script. */
    public static Optional<OutOfOffice> of(String script) {
        return script.lines().filter(l -> l.startsWith(MARK)).findFirst().map(line -> {
            try {
                Map<?, ?> m = JSON.readValue(line.substring(MARK.length()), Map.class);
                return new OutOfOffice(date(m.get("from")), date(m.get("until")), (String) m.get("subject"), (String) m.get("body"),
                        ((Number) m.get("days")).intValue(), (String) m.get("keeps"));
            } catch (Exception e) {
                return null; // edited by hand beyond recognition: not ours any more
            }
        });
    }

    /** Whether the reply goes out on {@code day}. */
    public boolean activeOn(LocalDate day) {
        return (from == null || !day.isBefore(from)) && (until == null || !day.isAfter(until));
    }

    private static LocalDate date(Object value) {
        return value == null ? null : LocalDate.parse((String) value);
    }

    private String settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", from == null ? null : from.toString());
        m.put("until", until == null ? null : until.toString());
        m.put("subject", subject);
        m.put("body", body);
        m.put("days", days);
        m.put("keeps", keeps);
        try {
            return JSON.writeValueAsString(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
