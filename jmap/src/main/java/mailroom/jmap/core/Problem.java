package mailroom.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request-level error (RFC 8620 section 3.6.1): the whole request is refused with an RFC 7807
 * problem details object instead of method responses.
 */
public final class Problem extends Exception {
    private final String type;
    private final int status;
    private final String limit;

    private Problem(String type, int status, String detail, String limit) {
        super(detail);
        this.type = type;
        this.status = status;
        this.limit = limit;
    }

    public static Problem unknownCapability(String capability) {
        return new Problem("urn:ietf:params:jmap:error:unknownCapability", 400, "unknown capability in using: " + capability, null);
    }

    public static Problem notJson(String detail) {
        return new Problem("urn:ietf:params:jmap:error:notJSON", 400, detail, null);
    }

    public static Problem notRequest(String detail) {
        return new Problem("urn:ietf:params:jmap:error:notRequest", 400, detail, null);
    }

    /** A limit of the session's core capability was passed; {@code limit} names it. */
    public static Problem limit(String limit, String detail) {
        return new Problem("urn:ietf:params:jmap:error:limit", 400, detail, limit);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object().put("type", type).put("status", status).put("detail", getMessage());
        if (limit != null) o.put("limit", limit);
        return o;
    }
}
