package mailroom.jmap.sharing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.jmap.mail.Standard;
import mailroom.storage.Account;
import mailroom.storage.Storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Principal/get, /query, /changes, /queryChanges and /set (RFC 9670 section 3): the people, role
 * accounts and groups a login may share a mailbox with, so a client can find whom to put in a
 * Mailbox's shareWith. The login sees the accounts of its own domain and the administrator's
 * groups. Principals are the directory's, so they change only through the
 * administrator: /set refuses every change, and /changes asks the client to get them again.
 */
public final class PrincipalMethods {
    private static final Set<String> PROPERTIES = Set.of("id", "type", "name", "description", "email", "timeZone", "capabilities", "accounts");

    private final Storage storage;

    public PrincipalMethods(Storage storage) {
        this.storage = storage;
    }

    public void register(MethodTable table) {
        table.add("Principal/get", Capability.PRINCIPALS, Access.READ, this::get)
                .add("Principal/query", Capability.PRINCIPALS, Access.READ, this::query)
                .add("Principal/changes", Capability.PRINCIPALS, Access.READ, (a, c) -> {
                    throw MethodError.cannotCalculateChanges("principals come from the directory: get them again");
                })
                .add("Principal/queryChanges", Capability.PRINCIPALS, Access.READ, (a, c) -> {
                    throw MethodError.cannotCalculateChanges("principals come from the directory: query again");
                })
                .add("Principal/set", Capability.PRINCIPALS, Access.WRITE, this::set);
    }

    /** Every principal the login may see, by id, with what it stands for. */
    private Map<String, ObjectNode> principals(Call call) {
        Account reader = call.principal().account();
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        Set<Long> reached = new java.util.HashSet<>();
        new SharedAccounts(storage).others(reader).forEach(o -> reached.add(o.owner().id()));
        for (Account a : storage.directory().accounts()) {
            if (!a.domain().equalsIgnoreCase(reader.domain())) continue;
            // RFC 9670 section 3: "individual" is a single person; a role account is a mailbox people
            // work on together, which the RFC's "group" names best.
            ObjectNode p = Json.object().put("id", PrincipalIds.of(a)).put("type", a.role() ? "group" : "individual")
                    .put("name", a.username()).putNull("description").put("email", a.address()).putNull("timeZone");
            p.putObject("capabilities");
            ObjectNode accounts = Json.object();
            if (a.id() == reader.id() || reached.contains(a.id())) {
                accounts.putObject("a" + a.id()).put("name", a.address()).put("isPersonal", a.id() == reader.id());
            }
            p.set("accounts", accounts.isEmpty() ? null : accounts);
            out.put(PrincipalIds.of(a), p);
        }
        for (var g : storage.sharing().groups().entrySet()) {
            ObjectNode p = Json.object().put("id", PrincipalIds.ofGroup(g.getKey())).put("type", "group").put("name", g.getKey())
                    .put("description", g.getValue().size() + " members").putNull("email").putNull("timeZone").putNull("accounts");
            p.putObject("capabilities");
            out.put(PrincipalIds.ofGroup(g.getKey()), p);
        }
        return out;
    }

    /** A state that moves whenever the set of principals or their names do. */
    private static String state(Map<String, ObjectNode> all) {
        return Integer.toHexString(all.values().toString().hashCode());
    }

    private ObjectNode get(ObjectNode args, Call call) {
        Map<String, ObjectNode> all = principals(call);
        List<String> ids = Standard.ids(args, "ids", 1000);
        Set<String> properties = Standard.properties(args, PROPERTIES, PROPERTIES);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        for (String id : ids == null ? List.copyOf(all.keySet()) : ids) {
            ObjectNode p = all.get(id);
            if (p == null) {
                notFound.add(id);
                continue;
            }
            ObjectNode shown = Json.object();
            for (String property : properties) shown.set(property, p.get(property));
            list.add(shown.put("id", id));
        }
        return Standard.getResponse(call.jmapAccountId(), state(all), list, notFound);
    }

    /** RFC 9670 section 3.3's filter: accountIds, email, name, text, type, timeZone; sorted by name. */
    private ObjectNode query(ObjectNode args, Call call) {
        Map<String, ObjectNode> all = principals(call);
        JsonNode filter = args.path("filter");
        for (var e : filter.properties()) {
            if (!Set.of("accountIds", "email", "name", "text", "type", "timeZone").contains(e.getKey())) {
                throw new MethodError("unsupportedFilter", "cannot filter principals by " + e.getKey());
            }
        }
        List<ObjectNode> hits = new ArrayList<>();
        for (ObjectNode p : all.values()) if (matches(filter, p)) hits.add(p);
        hits.sort(java.util.Comparator.comparing(p -> p.path("name").asText().toLowerCase(Locale.ROOT)));
        return Standard.window(args, hits.stream().map(p -> p.get("id").asText()).toList(), call.jmapAccountId(), state(all), false, 1000);
    }

    private static boolean matches(JsonNode filter, ObjectNode p) {
        if (filter.has("type") && !filter.get("type").asText().equals(p.path("type").asText())) return false;
        if (filter.has("email") && !contains(p.path("email").asText(""), filter.get("email").asText())) return false;
        if (filter.has("name") && !contains(p.path("name").asText(""), filter.get("name").asText())) return false;
        if (filter.has("timeZone") && !filter.get("timeZone").asText().equals(p.path("timeZone").asText(null))) return false;
        if (filter.has("text") && !(contains(p.path("name").asText(""), filter.get("text").asText())
                || contains(p.path("email").asText(""), filter.get("text").asText()) || contains(p.path("description").asText(""), filter.get("text").asText()))) return false;
        if (filter.has("accountIds")) {
            boolean any = false;
            for (JsonNode id : filter.get("accountIds")) any |= p.path("accounts").has(id.asText());
            if (!any) return false;
        }
        return true;
    }

    private static boolean contains(String value, String needle) {
        return value.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
    }

    /** Principals are the administrator's (`mailroom user`, `mailroom group`): nothing here changes them. */
    private ObjectNode set(ObjectNode args, Call call) {
        String state = state(principals(call));
        var out = new Standard.SetResponse();
        ObjectNode forbidden = Json.object().put("type", "forbidden").put("description", "principals are changed by the administrator");
        out.refuseCreateAndUpdate(args, forbidden);
        args.path("destroy").forEach(k -> out.notDestroyed.set(k.asText(), forbidden));
        return out.toJson(call.jmapAccountId(), state, state);
    }
}
