package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;

import java.util.ArrayList;
import java.util.List;

/**
 * Identity/get and /changes (RFC 8621 section 6): one identity per account, its own address,
 * which is what submission lets it send as. Its id is "i" and the account's storage id.
 */
public final class IdentityMethods {
    static final String STATE = "1";

    public void register(MethodTable table) {
        table.add("Identity/get", Capability.SUBMISSION, Access.READ, this::get)
                .add("Identity/changes", Capability.SUBMISSION, Access.READ, (args, call) -> {
                    String since = Standard.required(args, "sinceState");
                    if (!since.equals(STATE)) throw MethodError.cannotCalculateChanges("not a state this server gave");
                    return Standard.changesResponse(call.principal().accountId(), since, STATE, false, List.of(), List.of(), List.of());
                });
    }

    static String id(Call call) {
        return "i" + call.accountId();
    }

    private ObjectNode get(ObjectNode args, Call call) {
        List<String> ids = Standard.ids(args, "ids", 500);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        String mine = id(call);
        ObjectNode identity = Json.object().put("id", mine).put("name", "").put("email", call.principal().account().address())
                .putNull("replyTo").putNull("bcc").put("textSignature", "").put("htmlSignature", "").put("mayDelete", false);
        if (ids == null || ids.contains(mine)) list.add(identity);
        if (ids != null) ids.stream().filter(i -> !i.equals(mine)).forEach(notFound::add);
        return Standard.getResponse(call.principal().accountId(), STATE, list, notFound);
    }
}
