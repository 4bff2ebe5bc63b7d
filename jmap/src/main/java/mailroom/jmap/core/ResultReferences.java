package mailroom.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Result references (RFC 8620 section 3.7): an argument "#name" holding {resultOf, name, path} is
 * replaced by the value the path selects from an earlier response in the same request.
 */
final class ResultReferences {
    private ResultReferences() {}

    static ObjectNode resolve(ObjectNode arguments, List<Invocation> earlier) {
        ObjectNode out = null;
        for (var field : arguments.properties()) {
            String key = field.getKey();
            if (!key.startsWith("#")) continue;
            if (arguments.has(key.substring(1))) {
                throw MethodError.invalidArguments("both " + key.substring(1) + " and " + key + " are given");
            }
            if (out == null) out = arguments.deepCopy();
            out.remove(key);
            out.set(key.substring(1), value(field.getValue(), earlier));
        }
        return out == null ? arguments : out;
    }

    private static JsonNode value(JsonNode reference, List<Invocation> earlier) {
        if (!reference.isObject() || !reference.path("resultOf").isTextual() || !reference.path("name").isTextual()
                || !reference.path("path").isTextual()) {
            throw new MethodError("invalidResultReference", "a result reference is {resultOf, name, path}");
        }
        String callId = reference.get("resultOf").asText();
        Invocation target = earlier.stream().filter(r -> r.callId().equals(callId)).findFirst()
                .orElseThrow(() -> new MethodError("invalidResultReference", "no earlier response has call id " + callId));
        if (!target.name().equals(reference.get("name").asText())) {
            throw new MethodError("invalidResultReference", "the response " + callId + " is " + target.name() + ", not " + reference.get("name").asText());
        }
        return JsonPointer.evaluate(target.arguments(), reference.get("path").asText())
                .orElseThrow(() -> new MethodError("invalidResultReference", "the path " + reference.get("path").asText() + " leads nowhere in " + callId));
    }
}
