package mailroom.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A method-level error (RFC 8620 section 3.6.2): the one call answers {@code ["error", {...}, id]}
 * and the request goes on. Handlers throw it; the dispatcher turns it into the response.
 */
public final class MethodError extends RuntimeException {
    private final String type;
    private final transient ObjectNode extra;

    public MethodError(String type, String description) {
        this(type, description, null);
    }

    public MethodError(String type, String description, ObjectNode extra) {
        super(description, null, false, false);
        this.type = type;
        this.extra = extra;
    }

    public static MethodError invalidArguments(String description) {
        return new MethodError("invalidArguments", description);
    }

    public static MethodError requestTooLarge(String description) {
        return new MethodError("requestTooLarge", description);
    }

    public static MethodError stateMismatch(String description) {
        return new MethodError("stateMismatch", description);
    }

    public static MethodError cannotCalculateChanges(String description) {
        return new MethodError("cannotCalculateChanges", description);
    }

    public String type() {
        return type;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object().put("type", type);
        if (getMessage() != null) o.put("description", getMessage());
        if (extra != null) o.setAll(extra);
        return o;
    }
}
