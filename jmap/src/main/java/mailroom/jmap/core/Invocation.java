package mailroom.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One method call or response: {@code [name, arguments, callId]} (RFC 8620 section 3.2). */
public record Invocation(String name, ObjectNode arguments, String callId) {

    static Invocation parse(JsonNode node) throws Problem {
        if (!node.isArray() || node.size() != 3 || !node.get(0).isTextual() || !node.get(1).isObject() || !node.get(2).isTextual()) {
            throw Problem.notRequest("an invocation is [name, arguments object, call id]");
        }
        return new Invocation(node.get(0).asText(), (ObjectNode) node.get(1), node.get(2).asText());
    }

    public ArrayNode toJson() {
        ArrayNode a = Json.array();
        a.add(name).add(arguments).add(callId);
        return a;
    }
}
