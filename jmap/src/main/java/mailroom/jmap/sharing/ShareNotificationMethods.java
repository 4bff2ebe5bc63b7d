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
import mailroom.jmap.mail.Ids;
import mailroom.jmap.mail.MailboxRights;
import mailroom.jmap.mail.Standard;
import mailroom.storage.Storage;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.Sharing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * ShareNotification/get, /changes, /query, /queryChanges and /set (RFC 9670 section 4): what the
 * server noted each time the login's rights on another account's mailbox changed (see
 * SharedMailboxes.setRights), in the login's own account. The login may only destroy them.
 */
public final class ShareNotificationMethods {
    private static final Set<String> PROPERTIES = Set.of("id", "created", "changedBy", "objectType", "objectAccountId", "objectId",
            "oldRights", "newRights", "name");

    private final Storage storage;

    public ShareNotificationMethods(Storage storage) {
        this.storage = storage;
    }

    public void register(MethodTable table) {
        table.add("ShareNotification/get", Capability.PRINCIPALS, Access.READ, this::get)
                .add("ShareNotification/changes", Capability.PRINCIPALS, Access.READ, this::changes)
                .add("ShareNotification/query", Capability.PRINCIPALS, Access.READ, this::query)
                .add("ShareNotification/queryChanges", Capability.PRINCIPALS, Access.READ, (a, c) -> {
                    throw MethodError.cannotCalculateChanges("query again");
                })
                .add("ShareNotification/set", Capability.PRINCIPALS, Access.WRITE, this::set);
    }

    private static String id(Sharing.Notification n) {
        return "n" + n.id();
    }

    private ObjectNode toJson(Sharing.Notification n) {
        ObjectNode o = Json.object().put("id", id(n)).put("created", n.created().toString());
        ObjectNode by = o.putObject("changedBy").put("name", n.changedByName()).put("email", n.changedByEmail());
        by.put("principalId", n.changedById() == 0 ? null : "p" + n.changedById());
        o.put("objectType", "Mailbox").put("objectAccountId", "a" + n.ownerId()).put("objectId", Ids.mailbox(n.mailboxId()));
        o.set("oldRights", rights(n.oldRights()));
        o.set("newRights", rights(n.newRights()));
        return o.put("name", n.mailboxName());
    }

    /** A mailbox's myRights as they were; null for none at all. */
    private static ObjectNode rights(Rights r) {
        return r.isEmpty() ? null : MailboxRights.toJson(r);
    }

    /** The state: the newest id and how many are kept, so both a new note and a destroyed one move it. */
    private static String state(List<Sharing.Notification> all) {
        return (all.isEmpty() ? 0 : all.get(all.size() - 1).id()) + "-" + all.size();
    }

    private ObjectNode get(ObjectNode args, Call call) {
        List<Sharing.Notification> all = storage.sharing().notifications(call.accountId());
        List<String> ids = Standard.ids(args, "ids", 1000);
        Set<String> properties = Standard.properties(args, PROPERTIES, PROPERTIES);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        for (String id : ids == null ? all.stream().map(ShareNotificationMethods::id).toList() : ids) {
            var n = all.stream().filter(x -> id(x).equals(id)).findFirst();
            if (n.isEmpty()) {
                notFound.add(id);
                continue;
            }
            ObjectNode full = toJson(n.get()), shown = Json.object();
            for (String p : properties) shown.set(p, full.get(p));
            list.add(shown.put("id", id));
        }
        return Standard.getResponse(call.jmapAccountId(), state(all), list, notFound);
    }

    /**
     * New notes are those after the newest id the state saw. A destroyed one cannot be told from
     * the state, so when fewer are kept than the state's newest ones allow, the client gets them again.
     */
    private ObjectNode changes(ObjectNode args, Call call) {
        List<Sharing.Notification> all = storage.sharing().notifications(call.accountId());
        String since = args.path("sinceState").asText("");
        if (!since.matches("[0-9]{1,18}-[0-9]{1,9}")) throw MethodError.cannotCalculateChanges("not a state this server gave: " + since);
        long newest = Long.parseLong(since.substring(0, since.indexOf('-')));
        int count = Integer.parseInt(since.substring(since.indexOf('-') + 1));
        List<String> created = all.stream().filter(n -> n.id() > newest).map(ShareNotificationMethods::id).toList();
        if (all.size() - created.size() != count) throw MethodError.cannotCalculateChanges("notifications were destroyed since then: get them again");
        ObjectNode r = Json.object().put("accountId", call.jmapAccountId()).put("oldState", since).put("newState", state(all)).put("hasMoreChanges", false);
        r.set("created", Json.array(created));
        r.set("updated", Json.array(List.of()));
        r.set("destroyed", Json.array(List.of()));
        return r;
    }

    /** RFC 9670 section 4.3: after, before, objectType, objectAccountId; sorted by created. */
    private ObjectNode query(ObjectNode args, Call call) {
        List<Sharing.Notification> all = storage.sharing().notifications(call.accountId());
        Predicate<Sharing.Notification> filter = n -> true;
        for (Map.Entry<String, JsonNode> e : args.path("filter").properties()) {
            String v = e.getValue().asText();
            Predicate<Sharing.Notification> p = switch (e.getKey()) {
                case "after" -> n -> !n.created().isBefore(instant(v));
                case "before" -> n -> n.created().isBefore(instant(v));
                case "objectType" -> n -> v.equals("Mailbox");
                case "objectAccountId" -> n -> v.equals("a" + n.ownerId());
                default -> throw new MethodError("unsupportedFilter", "cannot filter notifications by " + e.getKey());
            };
            filter = filter.and(p);
        }
        boolean newestFirst = false;
        for (JsonNode s : args.path("sort")) {
            if (!s.path("property").asText().equals("created")) throw new MethodError("unsupportedSort", "notifications sort by created only");
            newestFirst = !s.path("isAscending").asBoolean(true);
        }
        List<String> ids = new ArrayList<>(all.stream().filter(filter).map(ShareNotificationMethods::id).toList());
        if (newestFirst) java.util.Collections.reverse(ids);
        return Standard.window(args, ids, call.jmapAccountId(), state(all), false, 1000);
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw MethodError.invalidArguments("not a UTCDate: " + text);
        }
    }

    /** Only destroy: the server makes notifications, the user dismisses them. */
    private ObjectNode set(ObjectNode args, Call call) {
        String oldState = state(storage.sharing().notifications(call.accountId()));
        if (args.hasNonNull("ifInState") && !args.get("ifInState").asText().equals(oldState)) throw MethodError.stateMismatch("the state is " + oldState);
        var out = new Standard.SetResponse();
        out.refuseCreateAndUpdate(args, Json.object().put("type", "forbidden").put("description", "notifications are made by the server and can only be destroyed"));
        for (JsonNode d : args.path("destroy")) {
            String id = d.asText();
            if (id.matches("n[0-9]{1,18}") && storage.sharing().deleteNotification(call.accountId(), Long.parseLong(id.substring(1)))) out.destroyed.add(id);
            else out.notDestroyed.set(id, Json.object().put("type", "notFound").put("description", "no notification " + id));
        }
        return out.toJson(call.jmapAccountId(), oldState, state(storage.sharing().notifications(call.accountId())));
    }
}
