package mailroom.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a TOML document onto a {@link Config}: a table is a section (a class nested in Config), a
 * key is one of its public fields, snake_case in the file for camelCase in Java, and a key with no
 * field is an error. Jackson's TOML parser reads the syntax; the binding is this walk over its
 * tokens. Jackson's data binding did the same, but its first use built a deserializer for every
 * section by introspection: 100 to 140 ms of a node's start, where this takes about 15.
 *
 * <p>Values as operators write them: a {@link Duration} as "30s", "5m", "4h", "2d" or a number of
 * seconds; a {@code long} field as a size, a number of bytes or "512KB", "25MB"; an enum by its
 * name in any case; an int or a boolean also as a quoted string, as Jackson took them.
 */
final class TomlBinder {
    private static final TomlFactory TOML = new TomlFactory();

    private TomlBinder() {}

    /** The configuration {@code toml} describes, on top of the defaults; {@code source} names it in syntax errors. */
    static Config read(String toml, String source) {
        var config = new Config();
        try (JsonParser p = TOML.createParser(toml)) {
            if (p.nextToken() == JsonToken.START_OBJECT) bindSection(p, config, "");
        } catch (IOException e) {
            // TOML syntax: the parser puts the line and column on the first line of its message.
            throw new ConfigException(source, e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable"));
        }
        return config;
    }

    /** Binds the keys of the table the parser is at (its START_OBJECT) onto {@code section}'s fields. */
    private static void bindSection(JsonParser p, Object section, String path) throws IOException {
        Map<String, Field> fields = fieldsByKey(section.getClass());
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String key = p.currentName(), at = path.isEmpty() ? key : path + "." + key;
            Field field = fields.get(key);
            if (field == null) throw new ConfigException(at, "unknown key");
            p.nextToken();
            try {
                if (isSection(field.getType())) {
                    if (p.currentToken() != JsonToken.START_OBJECT) throw misplaced(p, at, "a table", field.getType());
                    bindSection(p, field.get(section), at);
                } else {
                    field.set(section, value(p, field.getType(), at));
                }
            } catch (InputCoercionException e) { // an integer past what a long holds
                throw badValue(at, p.getText(), "out of range");
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e); // the fields are public
            }
        }
    }

    private static Object value(JsonParser p, Class<?> type, String at) throws IOException {
        JsonToken t = p.currentToken();
        if (type == List.class) {
            if (t != JsonToken.START_ARRAY) throw misplaced(p, at, "a list", List.class);
            List<String> items = new ArrayList<>();
            for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (!t.isScalarValue()) throw wrongType(at + "[" + items.size() + "]", String.class);
                items.add(p.getText());
            }
            return List.copyOf(items);
        }
        if (!t.isScalarValue()) throw wrongType(at, type);
        String text = p.getText();
        if (type == String.class) return text;
        if (type == Path.class) {
            if (text.isEmpty()) return null; // "none", as tls.cert_file documents it
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                throw badValue(at, text, "not a path");
            }
        }
        if (type == boolean.class) {
            if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) return p.getBooleanValue();
            if (text.equals("true") || text.equals("false")) return Boolean.valueOf(text);
            throw badValue(at, text, "expected true or false");
        }
        if (type == int.class) {
            try {
                return t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : Integer.parseInt(text.trim());
            } catch (NumberFormatException | InputCoercionException e) {
                throw badValue(at, text, "not a valid `int` value"); // as Jackson worded it
            }
        }
        if (type == long.class) {
            Long size = t == JsonToken.VALUE_NUMBER_INT ? Long.valueOf(p.getLongValue()) : Units.byteSize(text);
            if (size == null) throw badValue(at, text, "expected a size like 1048576, \"512KB\" or \"25MB\"");
            return size;
        }
        if (type == Duration.class) {
            Duration d = t == JsonToken.VALUE_NUMBER_INT ? Duration.ofSeconds(p.getLongValue()) : Units.duration(text);
            if (d == null) throw badValue(at, text, "expected a duration like \"30s\", \"5m\", \"4h\" or \"2d\"");
            return d;
        }
        if (type.isEnum()) {
            for (Object constant : type.getEnumConstants()) if (((Enum<?>) constant).name().equalsIgnoreCase(text)) return constant;
            var names = Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).toList();
            throw badValue(at, text, "expected " + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast());
        }
        throw new IllegalStateException("no reading for a config field of type " + type); // a new kind of field in Config
    }

    /** A section's keys: its public instance fields, by their names in snake_case. */
    private static Map<String, Field> fieldsByKey(Class<?> section) {
        Map<String, Field> out = new HashMap<>();
        for (Field f : section.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) out.put(snakeCase(f.getName()), f);
        }
        return out;
    }

    private static String snakeCase(String camel) {
        return camel.chars().mapToObj(c -> Character.isUpperCase(c) ? "_" + Character.toLowerCase((char) c) : String.valueOf((char) c))
                .collect(Collectors.joining());
    }

    private static boolean isSection(Class<?> type) {
        return type.getEnclosingClass() == Config.class && !type.isEnum();
    }

    /** A value of the wrong shape where a table or list belongs; TOML's empty string is worth naming, since it reads like "none". */
    private static ConfigException misplaced(JsonParser p, String at, String what, Class<?> type) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING && p.getText().isEmpty()) return new ConfigException(at, "an empty string where " + what + " belongs");
        return wrongType(at, type);
    }

    private static ConfigException wrongType(String at, Class<?> type) {
        return new ConfigException(at, "wrong type of value (expected " + type.getSimpleName().toLowerCase(Locale.ROOT) + ")");
    }

    private static ConfigException badValue(String at, String text, String why) {
        return new ConfigException(at, "bad value \"" + text + "\": " + why);
    }
}
