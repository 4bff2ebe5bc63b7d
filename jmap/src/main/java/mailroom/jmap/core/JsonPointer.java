package mailroom.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RFC 6901 JSON pointers with JMAP's one addition (RFC 8620 section 3.7): a {@code *} token on an
 * array applies the rest of the pointer to every item and gathers the results, flattening results
 * that are arrays themselves, so "/list/*&#47;id" gives the ids of a /get response.
 */
public final class JsonPointer {
    private JsonPointer() {}

    /** The value at {@code pointer}, or empty when the path does not lead anywhere. */
    public static Optional<JsonNode> evaluate(JsonNode root, String pointer) {
        if (pointer.isEmpty()) return Optional.of(root);
        if (!pointer.startsWith("/")) return Optional.empty();
        List<String> tokens = new ArrayList<>();
        for (String t : pointer.substring(1).split("/", -1)) tokens.add(t.replace("~1", "/").replace("~0", "~"));
        return Optional.ofNullable(walk(root, tokens, 0));
    }

    private static JsonNode walk(JsonNode node, List<String> tokens, int i) {
        if (i == tokens.size()) return node;
        String token = tokens.get(i);
        if (node.isArray()) {
            if (token.equals("*")) {
                ArrayNode out = Json.array();
                for (JsonNode item : node) {
                    JsonNode r = walk(item, tokens, i + 1);
                    if (r == null) return null;
                    if (r.isArray()) out.addAll((ArrayNode) r);
                    else out.add(r);
                }
                return out;
            }
            if (!token.matches("0|[1-9][0-9]{0,8}")) return null;
            int index = Integer.parseInt(token);
            return index < node.size() ? walk(node.get(index), tokens, i + 1) : null;
        }
        if (node.isObject()) {
            JsonNode child = node.get(token);
            return child == null ? null : walk(child, tokens, i + 1);
        }
        return null;
    }
}
