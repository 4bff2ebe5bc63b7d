package mailroom.core.config;

/** A configuration problem, worded as the one line an operator sees: "key: problem". */
public final class ConfigException extends RuntimeException {
    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
    }
}
