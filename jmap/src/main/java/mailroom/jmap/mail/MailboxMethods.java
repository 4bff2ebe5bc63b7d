package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.mail.MailboxNames;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.storage.Directory;
import mailroom.storage.Mailbox;
import mailroom.storage.StorageException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Mailbox/get, /changes, /query and /set (RFC 8621 section 2) over the store's folders. */
public final class MailboxMethods {
    private static final String SEP = String.valueOf(MailboxNames.DELIMITER);
    static final Set<String> PROPERTIES = Set.of("id", "name", "parentId", "role", "sortOrder", "totalEmails", "unreadEmails",
            "totalThreads", "unreadThreads", "myRights", "isSubscribed");
    /** RFC 8621 section 2 roles, from the IANA registry, and the RFC 6154 attribute each is kept as. */
    private static final Map<String, String> ROLES = Map.of("drafts", "\\Drafts", "sent", "\\Sent", "trash", "\\Trash",
            "junk", "\\Junk", "archive", "\\Archive", "all", "\\All", "flagged", "\\Flagged", "important", "\\Important");

    private final MailContext mail;

    public MailboxMethods(MailContext mail) {
        this.mail = mail;
    }

    public void register(MethodTable table) {
        table.add("Mailbox/get", Capability.MAIL, Access.READ, this::get)
                .add("Mailbox/changes", Capability.MAIL, Access.READ, this::changes)
                .add("Mailbox/query", Capability.MAIL, Access.READ, this::query)
                .add("Mailbox/queryChanges", Capability.MAIL, Access.READ, (a, c) -> {
                    throw MethodError.cannotCalculateChanges("mailbox queries are cheap: query again");
                })
                .add("Mailbox/set", Capability.MAIL, Access.WRITE, this::set);
    }

    static String role(Mailbox m) {
        if (m.name().equalsIgnoreCase(Mailbox.INBOX)) return "inbox";
        if (m.specialUse() == null) return null;
        return ROLES.entrySet().stream().filter(e -> m.specialUse().contains(e.getValue())).map(Map.Entry::getKey).findFirst().orElse(null);
    }

    private ObjectNode toJson(Mailbox m, List<Mailbox> all, Set<String> subscribed, Set<String> properties, long accountId) {
        ObjectNode o = Json.object().put("id", Ids.mailbox(m.id()));
        int cut = m.name().lastIndexOf(SEP);
        String parentName = cut < 0 ? null : m.name().substring(0, cut);
        var status = properties.stream().anyMatch(p -> p.endsWith("Emails") || p.endsWith("Threads")) ? mail.store().status(accountId, m.id()) : null;
        for (String p : properties) {
            switch (p) {
                case "name" -> o.put("name", cut < 0 ? m.name() : m.name().substring(cut + 1));
                case "parentId" -> o.put("parentId", all.stream().filter(x -> x.name().equals(parentName)).findFirst().map(x -> Ids.mailbox(x.id())).orElse(null));
                case "role" -> o.put("role", role(m));
                case "sortOrder" -> o.put("sortOrder", "inbox".equals(role(m)) ? 0 : 10);
                case "totalEmails", "totalThreads" -> o.put(p, status.messages());
                case "unreadEmails", "unreadThreads" -> o.put(p, status.unseen());
                case "isSubscribed" -> o.put("isSubscribed", subscribed.contains(m.name()));
                case "myRights" -> {
                    ObjectNode r = o.putObject("myRights");
                    for (String right : List.of("mayReadItems", "mayAddItems", "mayRemoveItems", "maySetSeen", "maySetKeywords",
                            "mayCreateChild", "mayRename", "mayDelete", "maySubmit")) r.put(right, true);
                }
                default -> { }
            }
        }
        return o;
    }

    private ObjectNode get(ObjectNode args, Call call) {
        long account = call.accountId();
        List<String> ids = Standard.ids(args, "ids", mail.limits().maxObjectsInGet());
        Set<String> properties = Standard.properties(args, PROPERTIES, PROPERTIES);
        List<Mailbox> all = mail.store().mailboxes(account);
        String state = States.mailbox(mail.store().highestModseq(account), all);
        Set<String> subscribed = mail.store().subscriptions(account);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        if (ids == null) {
            all.forEach(m -> list.add(toJson(m, all, subscribed, properties, account)));
        } else {
            for (String id : ids) {
                Optional<Mailbox> m = Ids.mailbox(call.resolve(id)).flatMap(n -> all.stream().filter(x -> x.id() == n).findFirst());
                if (m.isPresent()) list.add(toJson(m.get(), all, subscribed, properties, account));
                else notFound.add(id);
            }
        }
        return Standard.getResponse(call.jmapAccountId(), state, list, notFound);
    }

    private ObjectNode changes(ObjectNode args, Call call) {
        long account = call.accountId();
        States since = States.parse(Standard.required(args, "sinceState"));
        int max = Standard.maxChanges(args);
        List<Mailbox> all = mail.store().mailboxes(account);
        long head = mail.store().highestModseq(account);
        if (since.modseq() > head) throw MethodError.cannotCalculateChanges("that state is from the future");
        Set<String> created = new LinkedHashSet<>(), updated = new LinkedHashSet<>(), destroyed = new LinkedHashSet<>();
        Set<Long> now = new HashSet<>();
        for (Mailbox m : all) {
            now.add(m.id());
            if (!since.had(m.id())) created.add(Ids.mailbox(m.id()));
        }
        for (long id : since.mailboxIds()) if (!now.contains(id)) destroyed.add(Ids.mailbox(id));
        // Renames are not in the log: a different digest of the names makes every mailbox updated.
        boolean renamed = since.digest() != null && !since.digest().equals(States.digest(all));
        boolean countsOnly = !renamed;
        for (Mailbox m : all) {
            String id = Ids.mailbox(m.id());
            if (created.contains(id)) continue;
            if (renamed || m.highestModseq() > since.modseq()) updated.add(id);
        }
        if (created.size() + updated.size() + destroyed.size() > max) {
            throw MethodError.cannotCalculateChanges("more than maxChanges (" + max + ") mailboxes changed; fetch them all");
        }
        ObjectNode r = Standard.changesResponse(call.jmapAccountId(), args.get("sinceState").asText(), States.mailbox(head, all),
                false, created, updated, destroyed);
        r.set("updatedProperties", countsOnly && !updated.isEmpty() ? Json.array(List.of("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")) : null);
        return r;
    }

    private ObjectNode query(ObjectNode args, Call call) {
        long account = call.accountId();
        List<Mailbox> all = new ArrayList<>(mail.store().mailboxes(account));
        JsonNode filter = args.path("filter");
        Set<String> subscribed = mail.store().subscriptions(account);
        List<Mailbox> hits = new ArrayList<>();
        for (Mailbox m : all) {
            ObjectNode view = toJson(m, all, subscribed, Set.of("name", "parentId", "role", "isSubscribed"), account);
            if (matches(filter, view)) hits.add(m);
        }
        Comparator<Mailbox> order = Comparator.comparing(m -> m.name().toLowerCase(Locale.ROOT));
        for (JsonNode s : args.path("sort")) {
            String property = s.path("property").asText();
            if (!property.equals("name") && !property.equals("sortOrder")) throw new MethodError("unsupportedSort", "cannot sort mailboxes by " + property);
        }
        hits.sort(Comparator.comparing((Mailbox m) -> "inbox".equals(role(m)) ? 0 : 1).thenComparing(order));
        List<String> ids = hits.stream().map(m -> Ids.mailbox(m.id())).toList();
        return Standard.window(args, ids, call.jmapAccountId(), States.mailbox(mail.store().highestModseq(account), all), false, Integer.MAX_VALUE);
    }

    private static boolean matches(JsonNode filter, ObjectNode view) {
        if (filter.isMissingNode() || filter.isNull()) return true;
        if (filter.has("operator")) {
            String op = filter.path("operator").asText();
            List<Boolean> parts = new ArrayList<>();
            filter.path("conditions").forEach(c -> parts.add(matches(c, view)));
            return switch (op) {
                case "AND" -> parts.stream().allMatch(b -> b);
                case "OR" -> parts.stream().anyMatch(b -> b);
                case "NOT" -> parts.stream().noneMatch(b -> b);
                default -> throw new MethodError("unsupportedFilter", "no operator " + op);
            };
        }
        for (var e : filter.properties()) {
            boolean ok = switch (e.getKey()) {
                case "parentId" -> e.getValue().isNull() ? view.get("parentId").isNull() : e.getValue().asText().equals(view.get("parentId").asText());
                case "name" -> view.get("name").asText().toLowerCase(Locale.ROOT).contains(e.getValue().asText().toLowerCase(Locale.ROOT));
                case "role" -> e.getValue().isNull() ? view.get("role").isNull() : e.getValue().asText().equals(view.get("role").asText());
                case "hasAnyRole" -> e.getValue().asBoolean() != view.get("role").isNull();
                case "isSubscribed" -> e.getValue().asBoolean() == view.get("isSubscribed").asBoolean();
                default -> throw new MethodError("unsupportedFilter", "cannot filter mailboxes by " + e.getKey());
            };
            if (!ok) return false;
        }
        return true;
    }

    private ObjectNode set(ObjectNode args, Call call) {
        long account = call.accountId();
        Standard.checkSetSize(args, mail.limits().maxObjectsInSet());
        String oldState = mail.mailboxState(account);
        Standard.ifInState(args, oldState);
        var out = new Standard.SetResponse();
        for (var e : Standard.map(args, "create").entrySet()) {
            try {
                Mailbox m = create(account, e.getValue(), call);
                call.created(e.getKey(), Ids.mailbox(m.id()));
                out.created.set(e.getKey(), Json.object().put("id", Ids.mailbox(m.id())).put("sortOrder", 10)
                        .put("totalEmails", 0).put("unreadEmails", 0).put("totalThreads", 0).put("unreadThreads", 0));
                mail.announce(account, m.id());
            } catch (Standard.Refused r) {
                out.notCreated.set(e.getKey(), r.error.toJson());
            }
        }
        for (var e : Standard.map(args, "update").entrySet()) {
            try {
                long id = update(account, call.resolve(e.getKey()), e.getValue(), call);
                out.updated.putNull(e.getKey());
                mail.announce(account, id);
            } catch (Standard.Refused r) {
                out.notUpdated.set(e.getKey(), r.error.toJson());
            }
        }
        boolean removeEmails = Standard.bool(args, "onDestroyRemoveEmails");
        for (String id : Standard.destroyList(args)) {
            try {
                destroy(account, call.resolve(id), removeEmails);
                out.destroyed.add(id);
            } catch (Standard.Refused r) {
                out.notDestroyed.set(id, r.error.toJson());
            }
        }
        return out.toJson(call.jmapAccountId(), oldState, mail.mailboxState(account));
    }

    private Mailbox find(long account, String id) {
        return Ids.mailbox(id).flatMap(n -> mail.mailbox(account, n)).orElseThrow(() -> new Standard.Refused("notFound", "no mailbox " + id));
    }

    private String fullName(long account, JsonNode parentId, String name, Call call) {
        if (name == null || name.isBlank() || name.contains(SEP) || name.length() > 200) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "a name is 1-200 characters without " + SEP, List.of("name")));
        }
        if (parentId == null || parentId.isNull()) return name;
        if (!call.knows(parentId.asText())) throw new Standard.Refused(new Standard.SetError("invalidProperties", "no parent " + parentId.asText(), List.of("parentId")));
        return find(account, call.resolve(parentId.asText())).name() + SEP + name;
    }

    private Mailbox create(long account, JsonNode props, Call call) {
        String role = props.path("role").isTextual() ? props.get("role").asText() : null;
        if (role != null && !ROLES.containsKey(role)) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "no role " + role + " can be given here", List.of("role")));
        }
        String name = fullName(account, props.get("parentId"), props.path("name").asText(null), call);
        try {
            Mailbox m = mail.store().createMailbox(account, name, role == null ? null : ROLES.get(role));
            if (props.path("isSubscribed").asBoolean(false)) mail.store().setSubscribed(account, name, true);
            return m;
        } catch (Directory.AlreadyExists e) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "a mailbox " + name + " exists", List.of("name")));
        }
    }

    private long update(long account, String id, JsonNode patch, Call call) {
        Mailbox m = find(account, id);
        int cut = m.name().lastIndexOf(SEP);
        String name = patch.has("name") ? patch.get("name").asText() : cut < 0 ? m.name() : m.name().substring(cut + 1);
        JsonNode parent = patch.has("parentId") ? patch.get("parentId") : null;
        String target = parent != null ? fullName(account, parent, name, call)
                : (cut < 0 ? "" : m.name().substring(0, cut + 1)) + fullName(account, null, name, call);
        for (var e : patch.properties()) {
            if (!Set.of("name", "parentId", "isSubscribed", "sortOrder").contains(e.getKey())) {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", e.getKey() + " cannot be changed", List.of(e.getKey())));
            }
        }
        if (!target.equals(m.name())) {
            if (m.name().equalsIgnoreCase(Mailbox.INBOX)) throw new Standard.Refused("forbidden", "the inbox keeps its name");
            if (target.startsWith(m.name() + SEP)) throw new Standard.Refused(new Standard.SetError("invalidProperties", "a mailbox cannot go below itself", List.of("parentId")));
            try {
                mail.store().renameMailbox(account, m.name(), target);
            } catch (Directory.AlreadyExists e) {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", "a mailbox " + target + " exists", List.of("name")));
            }
        }
        if (patch.has("isSubscribed")) mail.store().setSubscribed(account, target, patch.get("isSubscribed").asBoolean());
        return m.id();
    }

    private void destroy(long account, String id, boolean removeEmails) {
        Mailbox m = find(account, id);
        if (m.name().equalsIgnoreCase(Mailbox.INBOX)) throw new Standard.Refused("forbidden", "the inbox cannot be destroyed");
        if (mail.store().mailboxes(account).stream().anyMatch(x -> x.name().startsWith(m.name() + SEP))) {
            throw new Standard.Refused("mailboxHasChild", "the mailbox has mailboxes below it");
        }
        if (!removeEmails && mail.store().status(account, m.id()).messages() > 0) {
            throw new Standard.Refused("mailboxHasEmail", "the mailbox holds messages (onDestroyRemoveEmails is false)");
        }
        try {
            mail.store().deleteMailbox(account, m.id());
            mail.store().setSubscribed(account, m.name(), false);
        } catch (StorageException e) {
            throw new Standard.Refused("notFound", e.getMessage());
        }
        mail.announce(account, m.id());
    }
}
