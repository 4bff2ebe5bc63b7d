package mailroom.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;

/** Durations as operators write them: "30s", "5m", "4h", "5d", or a number of seconds. */
public final class DurationDeserializer extends JsonDeserializer<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (p.currentToken().isNumeric()) return Duration.ofSeconds(p.getLongValue());
        String text = p.getValueAsString().trim();
        var m = FORM.matcher(text);
        if (!m.matches()) {
            return (Duration) ctx.handleWeirdStringValue(Duration.class, text, "expected a duration like \"30s\", \"5m\", \"4h\" or \"2d\"");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
