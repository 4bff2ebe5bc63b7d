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
        Long size = parse(text);
        return size != null ? size : (Long) ctx.handleWeirdStringValue(Long.class, text, "expected a size like 1048576, \"512KB\" or \"25MB\"");
    }

    /** "25MB" and the like in bytes, or null when the text is not a size. Also used by the command line. */
    public static Long parse(String text) {
        var m = FORM.matcher(text.trim());
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(java.util.Locale.ROOT)) {
            case "KB" -> n << 10;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            default -> n;
        };
    }
}
