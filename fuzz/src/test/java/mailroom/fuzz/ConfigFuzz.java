package mailroom.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import mailroom.core.config.ConfigException;
import mailroom.core.config.ConfigLoader;

/**
 * The TOML configuration: any text is either a configuration or one {@link ConfigException}
 * naming the key (or the line) and the problem, never another exception, since an operator's
 * typo must get one clear line.
 */
public final class ConfigFuzz {
    private static final TomlMapper TOML = new TomlMapper();

    private ConfigFuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        if (namesHostToResolve(text)) return;
        try {
            ConfigLoader.parse(text, "fuzz.toml");
        } catch (ConfigException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) throw new AssertionError("an error that says nothing");
        }
    }

    /**
     * node.bind and node.advertise are resolved when they are host names; a fuzzer must not send
     * DNS queries, so those inputs are left out (literal addresses are still checked).
     */
    private static boolean namesHostToResolve(String text) {
        JsonNode tree;
        try {
            tree = TOML.readTree(text);
        } catch (Exception e) {
            return false; // a syntax error: never gets as far as resolving
        }
        if (tree == null) return false;
        JsonNode node = tree.path("node");
        for (String key : new String[] {"bind", "advertise"}) {
            JsonNode value = node.path(key);
            if (value.isTextual() && !value.asText().isEmpty() && !value.asText().matches("[0-9a-fA-F:.%\\[\\]]+")) return true;
        }
        return false;
    }
}
