package mailroom.transfer.mbox;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** What mbox writers record about a message in its header and its "From " line. */
final class MboxFlags {
    private MboxFlags() {}

    private static final Pattern ASCTIME = Pattern.compile("(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\\w{3}) +(\\d{1,2}) (\\d{1,2}:\\d{2}:\\d{2})(?: [A-Z]{3,4})? (\\d{4})");
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("MMM d H:mm:ss yyyy", Locale.ROOT);

    /** The date of "From sender Fri Jul  8 12:08:34 2011" (UTC, as mbox writers use); now when there is none. */
    static Instant fromLineDate(String fromLine) {
        var m = ASCTIME.matcher(fromLine);
        if (m.find()) {
            try {
                return LocalDateTime.parse(m.group(2) + " " + m.group(3) + " " + m.group(4) + " " + m.group(5), FORMAT).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                // fall through
            }
        }
        return Instant.now();
    }

    /** Flags from Status ("RO"), X-Status ("AFTD"), X-Mozilla-Status (hex bits) and X-Mozilla-Keys (keywords). */
    static Set<String> of(String header) {
        Set<String> flags = new LinkedHashSet<>();
        for (String line : header.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            switch (name) {
                case "status" -> {
                    if (value.indexOf('R') >= 0) flags.add("\\Seen");
                }
                case "x-status" -> {
                    if (value.indexOf('A') >= 0) flags.add("\\Answered");
                    if (value.indexOf('F') >= 0) flags.add("\\Flagged");
                    if (value.indexOf('T') >= 0) flags.add("\\Draft");
                    if (value.indexOf('D') >= 0) flags.add("\\Deleted");
                }
                case "x-mozilla-status" -> mozilla(value, flags);
                case "x-mozilla-keys" -> {
                    for (String k : value.split("\\s+")) if (!k.isEmpty() && isAtom(k)) flags.add(k);
                }
                default -> {}
            }
        }
        return flags;
    }

    /** Thunderbird's bits: 0x1 read, 0x2 replied, 0x4 marked, 0x8 expunged, 0x1000 forwarded. */
    private static void mozilla(String hex, Set<String> flags) {
        int bits;
        try {
            bits = Integer.parseInt(hex, 16);
        } catch (NumberFormatException e) {
            return;
        }
        if ((bits & 0x1) != 0) flags.add("\\Seen");
        if ((bits & 0x2) != 0) flags.add("\\Answered");
        if ((bits & 0x4) != 0) flags.add("\\Flagged");
        if ((bits & 0x8) != 0) flags.add("\\Deleted");
        if ((bits & 0x1000) != 0) flags.add("$Forwarded");
    }

    private static boolean isAtom(String k) {
        return k.chars().allMatch(c -> c > 32 && c < 127 && "(){%*\"\\]".indexOf(c) < 0);
    }
}
