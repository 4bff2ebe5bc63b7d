package mailroom.sieve;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.JulianFields;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The date parts of RFC 5260 section 4.2, taken from a header's date or from now. */
final class DateParts {
    private static final Map<String, String> OLD_ZONES = Map.ofEntries(
            Map.entry("UT", "+0000"), Map.entry("GMT", "+0000"), Map.entry("UTC", "+0000"), Map.entry("EST", "-0500"),
            Map.entry("EDT", "-0400"), Map.entry("CST", "-0600"), Map.entry("CDT", "-0500"), Map.entry("MST", "-0700"),
            Map.entry("MDT", "-0600"), Map.entry("PST", "-0800"), Map.entry("PDT", "-0700"));

    private DateParts() {}

    /** The part of the first (or :index-selected) date; a value that is not a date gives nothing. */
    static List<String> ofHeader(List<String> values, String part, ZoneId convertTo) {
        if (values.isEmpty()) return List.of();
        Optional<ZonedDateTime> date = parse(values.get(0));
        if (date.isEmpty()) return List.of();
        ZonedDateTime d = convertTo == null ? date.get() : date.get().withZoneSameInstant(convertTo);
        return part(d, part).map(List::of).orElse(List.of());
    }

    static List<String> ofNow(Instant now, String part, ZoneId zone) {
        return part(now.atZone(zone), part).map(List::of).orElse(List.of());
    }

    private static Optional<String> part(ZonedDateTime d, String part) {
        String zone = d.getOffset().getTotalSeconds() == 0 ? "+0000" : d.getOffset().getId().replace(":", "");
        return Optional.ofNullable(switch (part.toLowerCase(Locale.ROOT)) {
            case "year" -> String.format("%04d", d.getYear());
            case "month" -> String.format("%02d", d.getMonthValue());
            case "day" -> String.format("%02d", d.getDayOfMonth());
            case "date" -> String.format("%04d-%02d-%02d", d.getYear(), d.getMonthValue(), d.getDayOfMonth());
            case "julian" -> Long.toString(d.toLocalDate().getLong(JulianFields.MODIFIED_JULIAN_DAY));
            case "hour" -> String.format("%02d", d.getHour());
            case "minute" -> String.format("%02d", d.getMinute());
            case "second" -> String.format("%02d", d.getSecond());
            case "time" -> String.format("%02d:%02d:%02d", d.getHour(), d.getMinute(), d.getSecond());
            case "iso8601" -> d.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            case "std11" -> d.format(DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT));
            case "zone" -> zone;
            case "weekday" -> Integer.toString(d.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : d.getDayOfWeek().getValue());
            default -> null;
        });
    }

    /** An RFC 5322 date, lenient about comments, a missing weekday and the old zone names. */
    static Optional<ZonedDateTime> parse(String value) {
        String v = value.replaceAll("\\([^)]*\\)", " ").strip().replaceAll("\\s+", " ");
        int space = v.lastIndexOf(' ');
        if (space > 0 && OLD_ZONES.containsKey(v.substring(space + 1).toUpperCase(Locale.ROOT)))
            v = v.substring(0, space + 1) + OLD_ZONES.get(v.substring(space + 1).toUpperCase(Locale.ROOT));
        try {
            return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A :zone argument, "+0100" or "-0530". */
    static Optional<ZoneId> zone(String value) {
        if (!value.matches("[+-][0-9]{4}")) return Optional.empty();
        int hours = Integer.parseInt(value.substring(1, 3)), minutes = Integer.parseInt(value.substring(3));
        int sign = value.charAt(0) == '-' ? -1 : 1;
        try {
            return Optional.of(ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
