package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shapes RFC 8620 section 5 gives every data type's /get, /changes, /set and /query; the parts
 * other data types than Mail's use (Principal) are public.
 */
public final class Standard {
    private Standard() {}

    /** The "ids" argument: null for all, else at most {@code max} of them (requestTooLarge beyond). */
    public static List<String> ids(ObjectNode args, String name, int max) {
        JsonNode ids = args.get(name);
        if (ids == null || ids.isNull()) return null;
        if (!ids.isArray()) throw MethodError.invalidArguments(name + " must be an array of ids or null");
        if (ids.size() > max) throw MethodError.requestTooLarge(ids.size() + " ids; at most " + max + " in one call");
        List<String> out = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual()) throw MethodError.invalidArguments(name + " must hold strings");
            out.add(id.asText());
        }
        return out;
    }

    /** The "properties" argument: the defaults when absent; an unknown name is invalidArguments. */
    public static Set<String> properties(ObjectNode args, Set<String> known, Collection<String> defaults) {
        JsonNode p = args.get("properties");
        if (p == null || p.isNull()) return new LinkedHashSet<>(defaults);
        if (!p.isArray()) throw MethodError.invalidArguments("properties must be an array");
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode n : p) {
            String name = n.asText();
            if (!known.contains(name) && !name.startsWith("header:")) throw MethodError.invalidArguments("unknown property " + name);
            out.add(name);
        }
        out.add("id");
        return out;
    }

    public static ObjectNode getResponse(String accountId, String state, ArrayNode list, List<String> notFound) {
        ObjectNode r = Json.object().put("accountId", accountId).put("state", state);
        r.set("list", list);
        r.set("notFound", Json.array(notFound));
        return r;
    }

    static String text(ObjectNode args, String name) {
        JsonNode n = args.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw MethodError.invalidArguments(name + " must be a string");
        return n.asText();
    }

    static String required(ObjectNode args, String name) {
        String s = text(args, name);
        if (s == null) throw MethodError.invalidArguments(name + " is required");
        return s;
    }

    static long unsigned(ObjectNode args, String name, long absent) {
        JsonNode n = args.get(name);
        if (n == null || n.isNull()) return absent;
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) throw MethodError.invalidArguments(name + " must be a non-negative integer");
        return n.asLong();
    }

    static boolean bool(ObjectNode args, String name) {
        JsonNode n = args.get(name);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw MethodError.invalidArguments(name + " must be true or false");
        return n.asBoolean();
    }

    /** /set's ifInState (RFC 8620 section 5.3). */
    static void ifInState(ObjectNode args, String state) {
        String expected = text(args, "ifInState");
        if (expected != null && !expected.equals(state)) throw MethodError.stateMismatch("the state is " + state + ", not " + expected);
    }

    /** The maxChanges argument; 0 is invalid (RFC 8620 section 5.2). */
    static int maxChanges(ObjectNode args) {
        long n = unsigned(args, "maxChanges", Integer.MAX_VALUE);
        if (n == 0) throw MethodError.invalidArguments("maxChanges must be positive");
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    static ObjectNode changesResponse(String accountId, String oldState, String newState, boolean more,
                                      Collection<String> created, Collection<String> updated, Collection<String> destroyed) {
        ObjectNode r = Json.object().put("accountId", accountId).put("oldState", oldState).put("newState", newState).put("hasMoreChanges", more);
        r.set("created", Json.array(created));
        r.set("updated", Json.array(updated));
        r.set("destroyed", Json.array(destroyed));
        return r;
    }

    /** One object /set could not create, update or destroy (RFC 8620 section 5.3). */
    record SetError(String type, String description, List<String> properties) {
        SetError(String type, String description) {
            this(type, description, null);
        }

        ObjectNode toJson() {
            ObjectNode o = Json.object().put("type", type);
            if (description != null) o.put("description", description);
            if (properties != null) o.set("properties", Json.array(properties));
            return o;
        }
    }

    /** Thrown inside one create, update or destroy: that one object fails, the others go on. */
    static final class Refused extends RuntimeException {
        final SetError error;

        Refused(String type, String description) {
            this(new SetError(type, description));
        }

        Refused(SetError error) {
            super(error.description(), null, false, false);
            this.error = error;
        }
    }

    /** The create/update/destroy maps of a /set call, checked against maxObjectsInSet. */
    static Map<String, JsonNode> map(ObjectNode args, String name) {
        JsonNode n = args.get(name);
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw MethodError.invalidArguments(name + " must be an object");
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        n.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static void checkSetSize(ObjectNode args, int max) {
        int n = map(args, "create").size() + map(args, "update").size() + (args.path("destroy").isArray() ? args.get("destroy").size() : 0);
        if (n > max) throw MethodError.requestTooLarge(n + " objects to change; at most " + max + " in one call");
    }

    static List<String> destroyList(ObjectNode args) {
        JsonNode n = args.get("destroy");
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw MethodError.invalidArguments("destroy must be an array of ids");
        List<String> out = new ArrayList<>();
        n.forEach(id -> out.add(id.asText()));
        return out;
    }

    /** Collects the outcome of a /set call into its response. */
    public static final class SetResponse {
        public final ObjectNode created = Json.object(), updated = Json.object(), notCreated = Json.object(), notUpdated = Json.object(),
                notDestroyed = Json.object();
        public final ArrayNode destroyed = Json.array();

        /** Refuses every create and update the arguments ask for with one SetError (a type the server never lets the client make or change). */
        public void refuseCreateAndUpdate(ObjectNode args, ObjectNode error) {
            args.path("create").fieldNames().forEachRemaining(k -> notCreated.set(k, error));
            args.path("update").fieldNames().forEachRemaining(k -> notUpdated.set(k, error));
        }

        public ObjectNode toJson(String accountId, String oldState, String newState) {
            ObjectNode r = Json.object().put("accountId", accountId).put("oldState", oldState).put("newState", newState);
            r.set("created", created.isEmpty() ? null : created);
            r.set("updated", updated.isEmpty() ? null : updated);
            r.set("destroyed", destroyed.isEmpty() ? null : destroyed);
            r.set("notCreated", notCreated.isEmpty() ? null : notCreated);
            r.set("notUpdated", notUpdated.isEmpty() ? null : notUpdated);
            r.set("notDestroyed", notDestroyed.isEmpty() ? null : notDestroyed);
            return r;
        }
    }

    /** position/anchor/limit of a /query (RFC 8620 section 5.5) over the full sorted list of ids. */
    public static ObjectNode window(ObjectNode args, List<String> ids, String accountId, String queryState, boolean canCalculateChanges, int maxLimit) {
        long limit = Math.min(unsigned(args, "limit", maxLimit), maxLimit);
        JsonNode posNode = args.get("position");
        long position = posNode == null || posNode.isNull() ? 0 : posNode.asLong();
        if (posNode != null && !posNode.isNull() && !posNode.isIntegralNumber()) throw MethodError.invalidArguments("position must be an integer");
        String anchor = text(args, "anchor");
        int start;
        if (anchor != null) {
            int at = ids.indexOf(anchor);
            if (at < 0) throw new MethodError("anchorNotFound", "the anchor " + anchor + " is not in the results");
            long offset = args.path("anchorOffset").asLong(0);
            start = (int) Math.max(0, at + offset);
        } else {
            start = (int) (position < 0 ? Math.max(0, ids.size() + position) : Math.min(position, ids.size()));
        }
        int end = (int) Math.min(ids.size(), start + limit);
        ObjectNode r = Json.object().put("accountId", accountId).put("queryState", queryState)
                .put("canCalculateChanges", canCalculateChanges).put("position", start);
        r.set("ids", Json.array(ids.subList(Math.min(start, ids.size()), Math.max(end, Math.min(start, ids.size())))));
        if (bool(args, "calculateTotal")) r.put("total", ids.size());
        if (limit < unsigned(args, "limit", 0)) r.put("limit", limit);
        return r;
    }
}
