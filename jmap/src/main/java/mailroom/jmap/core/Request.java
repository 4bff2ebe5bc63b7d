package mailroom.jmap.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Request object (RFC 8620 section 3.3), decoded from the bytes of the body without any I/O.
 * {@code createdIds} is null when the client did not send the property (then the response leaves
 * it out too).
 */
public record Request(Set<String> using, List<Invocation> calls, Map<String, String> createdIds) {

    public static Request parse(byte[] body, Limits limits) throws Problem {
        if (body.length > limits.maxSizeRequest()) {
            throw Problem.limit("maxSizeRequest", "the request has " + body.length + " bytes; at most " + limits.maxSizeRequest() + " are accepted");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw Problem.notJson("the body is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw Problem.notJson("the body could not be read");
        }
        if (root == null || root.isMissingNode()) throw Problem.notJson("the body is empty");
        return parse(root, limits);
    }

    public static Request parse(JsonNode root, Limits limits) throws Problem {
        if (!root.isObject()) throw Problem.notRequest("a Request is a JSON object");
        JsonNode using = root.get("using");
        JsonNode calls = root.get("methodCalls");
        if (using == null || !using.isArray() || calls == null || !calls.isArray()) {
            throw Problem.notRequest("a Request needs the arrays \"using\" and \"methodCalls\"");
        }
        Set<String> capabilities = new LinkedHashSet<>();
        for (JsonNode u : using) {
            if (!u.isTextual()) throw Problem.notRequest("\"using\" holds capability strings");
            capabilities.add(u.asText());
        }
        for (String c : capabilities) {
            if (!limits.capabilities().contains(c)) throw Problem.unknownCapability(c);
        }
        if (calls.size() > limits.maxCallsInRequest()) {
            throw Problem.limit("maxCallsInRequest", calls.size() + " method calls; at most " + limits.maxCallsInRequest() + " in one request");
        }
        List<Invocation> invocations = new ArrayList<>();
        for (JsonNode call : calls) invocations.add(Invocation.parse(call));
        Map<String, String> created = null;
        JsonNode ids = root.get("createdIds");
        if (ids != null && !ids.isNull()) {
            if (!ids.isObject()) throw Problem.notRequest("\"createdIds\" is an object");
            created = new LinkedHashMap<>();
            for (var e : ids.properties()) {
                if (!e.getValue().isTextual()) throw Problem.notRequest("\"createdIds\" maps creation ids to ids");
                created.put(e.getKey(), e.getValue().asText());
            }
        }
        return new Request(capabilities, invocations, created);
    }
}
