package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Json;
import mailroom.storage.sharing.Rights;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A Mailbox's rights in JMAP terms (RFC 8621 section 2, MailboxRights; "mayShare" from the JMAP
 * mail sharing draft that builds on RFC 9670) and the RFC 4314 letters they stand for, in both
 * directions: myRights is read from the access list, and shareWith writes to it.
 */
public final class MailboxRights {
    /** Each property and the letters it needs; "mayReadItems" also makes the mailbox visible ("l"). */
    private static final Map<String, String> LETTERS = new LinkedHashMap<>();

    static {
        LETTERS.put("mayReadItems", "r");
        LETTERS.put("mayAddItems", "i");
        LETTERS.put("mayRemoveItems", "te");
        LETTERS.put("maySetSeen", "s");
        LETTERS.put("maySetKeywords", "w");
        LETTERS.put("mayCreateChild", "k");
        LETTERS.put("mayRename", "x");
        LETTERS.put("mayDelete", "x");
        LETTERS.put("maySubmit", "p");
        LETTERS.put("mayShare", "a");
    }

    private MailboxRights() {}

    public static ObjectNode toJson(Rights rights) {
        ObjectNode o = Json.object();
        LETTERS.forEach((property, letters) -> o.put(property, letters.chars().allMatch(c -> rights.has((char) c))));
        return o;
    }

    /** The letters a MailboxRights object grants ("l" with any of them); empty when it is not one. */
    static Optional<Rights> parse(JsonNode o) {
        if (o == null || !o.isObject()) return Optional.empty();
        StringBuilder letters = new StringBuilder();
        for (var e : o.properties()) {
            String given = LETTERS.get(e.getKey());
            if (given == null || !e.getValue().isBoolean()) return Optional.empty();
            if (e.getValue().asBoolean()) letters.append(given);
        }
        return Optional.of(letters.isEmpty() ? Rights.NONE : new Rights("l" + letters));
    }
}
