package mailroom.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;

import java.io.IOException;
import java.util.regex.Pattern;

/** Sizes as operators write them: a number of bytes, or "512KB", "25MB", "2GB" (powers of 1024). */
public final class ByteSizeDeserializer extends JsonDeserializer<Long> {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (p.currentToken().isNumeric()) return p.getLongValue();
        String text = p.getValueAsString().trim();
        var m = FORM.matcher(text);
        if (!m.matches()) {
            return (Long) ctx.handleWeirdStringValue(Long.class, text, "expected a size like 1048576, \"512KB\" or \"25MB\"");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase();
        return switch (unit) {
            case "KB" -> n << 10;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            default -> n;
        };
    }
}
