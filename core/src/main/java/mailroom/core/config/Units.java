package mailroom.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/** Durations and sizes as operators write them, in the configuration and on the command line. */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    private Units() {}

    /** "30s", "5m", "4h", "5d", "250ms", or null when the text is none of those. */
    public static Duration duration(String text) {
        var m = DURATION.matcher(text.trim());
        if (!m.matches() || m.group(1).length() > 18) return null; // more digits than a long holds
        long n = Long.parseLong(m.group(1));
        try {
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (ArithmeticException e) {
            return null; // longer than a Duration holds
        }
    }

    /** A number of bytes, or "512KB", "25MB", "2GB" (powers of 1024); null when the text is not a size. */
    public static Long byteSize(String text) {
        var m = SIZE.matcher(text.trim());
        if (!m.matches() || m.group(1).length() > 18) return null; // more digits than a long holds
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 0;
        };
        return n > Long.MAX_VALUE >> shift ? null : n << shift;
    }
}
