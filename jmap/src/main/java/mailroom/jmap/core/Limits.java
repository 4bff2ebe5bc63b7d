package mailroom.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.config.Config;

import java.util.Set;

/** The core capability's limits (RFC 8620 section 2) and the capabilities this server knows. */
public record Limits(long maxSizeUpload, int maxConcurrentUpload, long maxSizeRequest, int maxConcurrentRequests,
                     int maxCallsInRequest, int maxObjectsInGet, int maxObjectsInSet, Set<String> capabilities) {

    public static Limits of(Config.Jmap c, Set<String> capabilities) {
        return new Limits(c.maxSizeUpload, c.maxConcurrentUpload, c.maxSizeRequest, c.maxConcurrentRequests,
                c.maxCallsInRequest, c.maxObjectsInGet, c.maxObjectsInSet, capabilities);
    }

    /** The value of the core capability in the session resource. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("maxSizeUpload", maxSizeUpload).put("maxConcurrentUpload", maxConcurrentUpload)
                .put("maxSizeRequest", maxSizeRequest).put("maxConcurrentRequests", maxConcurrentRequests)
                .put("maxCallsInRequest", maxCallsInRequest).put("maxObjectsInGet", maxObjectsInGet)
                .put("maxObjectsInSet", maxObjectsInSet);
        // i;unicode-casemap (RFC 5051) is how text filters and the subject sort compare.
        o.set("collationAlgorithms", Json.array(java.util.List.of("i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap")));
        return o;
    }
}
