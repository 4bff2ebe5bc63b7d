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
import mailroom.storage.sharing.SharedMailboxes;

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
            "totalThreads", "unreadThreads", "myRights", "isSubscribed", "shareWith");
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

    private ObjectNode toJson(Mailbox m, Reach reach, Set<String> subscribed, Set<String> properties) {
        ObjectNode o = Json.object().put("id", Ids.mailbox(m.id()));
        List<Mailbox> all = reach.mailboxes();
        int cut = m.name().lastIndexOf(SEP);
        String parentName = cut < 0 ? null : m.name().substring(0, cut);
        boolean counts = reach.readable(m.id()) && properties.stream().anyMatch(p -> p.endsWith("Emails") || p.endsWith("Threads"));
        long total = counts ? mail.store().status(reach.accountId(), m.id()).messages() : 0;
        long unread = counts && properties.stream().anyMatch(p -> p.startsWith("unread")) ? reach.unseen(m.id()) : 0;
        for (String p : properties) {
            switch (p) {
                case "name" -> o.put("name", cut < 0 ? m.name() : m.name().substring(cut + 1));
                case "parentId" -> o.put("parentId", all.stream().filter(x -> x.name().equals(parentName)).findFirst().map(x -> Ids.mailbox(x.id())).orElse(null));
                case "role" -> o.put("role", role(m));
                case "sortOrder" -> o.put("sortOrder", "inbox".equals(role(m)) ? 0 : 10);
                case "totalEmails", "totalThreads" -> o.put(p, total);
                case "unreadEmails", "unreadThreads" -> o.put(p, unread);
                case "isSubscribed" -> o.put("isSubscribed", subscribed.contains(m.name()));
                case "myRights" -> o.set("myRights", MailboxRights.toJson(reach.rights(m.id())));
                case "shareWith" -> o.set("shareWith", ShareWith.of(mail, reach, m));
                default -> { }
            }
        }
        return o;
    }

    /**
     * The mailboxes the login subscribes to, in the account's names: a reader's subscriptions to
     * shared mailboxes are its own, kept under the names IMAP shows it ("Other Users/alice/...").
     */
    private Set<String> subscribed(Reach reach) {
        Set<String> own = mail.store().subscriptions(reach.reader().id());
        if (reach.own()) return own;
        String prefix = prefix(reach);
        Set<String> out = new HashSet<>();
        for (String name : own) if (name.startsWith(prefix)) out.add(name.substring(prefix.length()));
        return out;
    }

    private String prefix(Reach reach) {
        if (reach.own()) return "";
        var owner = mail.storage().directory().account(reach.accountId()).orElseThrow();
        return new SharedMailboxes(mail.storage()).prefix(reach.reader(), owner);
    }

    private void subscribe(Reach reach, String name, boolean on) {
        mail.store().setSubscribed(reach.reader().id(), prefix(reach) + name, on);
    }

    private ObjectNode get(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        List<String> ids = Standard.ids(args, "ids", mail.limits().maxObjectsInGet());
        Set<String> properties = Standard.properties(args, PROPERTIES, PROPERTIES);
        List<Mailbox> all = reach.mailboxes();
        String state = mail.mailboxState(reach);
        Set<String> subscribed = subscribed(reach);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        if (ids == null) {
            all.forEach(m -> list.add(toJson(m, reach, subscribed, properties)));
        } else {
            for (String id : ids) {
                Optional<Mailbox> m = Ids.mailbox(call.resolve(id)).flatMap(reach::mailbox);
                if (m.isPresent()) list.add(toJson(m.get(), reach, subscribed, properties));
                else notFound.add(id);
            }
        }
        return Standard.getResponse(call.jmapAccountId(), state, list, notFound);
    }

    private ObjectNode changes(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        States since = States.parse(Standard.required(args, "sinceState"));
        int max = Standard.maxChanges(args);
        List<Mailbox> all = reach.mailboxes();
        long head = mail.store().highestModseq(reach.accountId());
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
        Reach reach = mail.reach(call);
        List<Mailbox> all = reach.mailboxes();
        JsonNode filter = args.path("filter");
        Set<String> subscribed = subscribed(reach);
        List<Mailbox> hits = new ArrayList<>();
        for (Mailbox m : all) {
            ObjectNode view = toJson(m, reach, subscribed, Set.of("name", "parentId", "role", "isSubscribed"));
            if (matches(filter, view)) hits.add(m);
        }
        Comparator<Mailbox> order = Comparator.comparing(m -> m.name().toLowerCase(Locale.ROOT));
        for (JsonNode s : args.path("sort")) {
            String property = s.path("property").asText();
            if (!property.equals("name") && !property.equals("sortOrder")) throw new MethodError("unsupportedSort", "cannot sort mailboxes by " + property);
        }
        hits.sort(Comparator.comparing((Mailbox m) -> "inbox".equals(role(m)) ? 0 : 1).thenComparing(order));
        List<String> ids = hits.stream().map(m -> Ids.mailbox(m.id())).toList();
        return Standard.window(args, ids, call.jmapAccountId(), mail.mailboxState(reach), false, Integer.MAX_VALUE);
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
        Reach reach = mail.reach(call);
        long account = reach.accountId();
        Standard.checkSetSize(args, mail.limits().maxObjectsInSet());
        String oldState = mail.mailboxState(reach);
        Standard.ifInState(args, oldState);
        var out = new Standard.SetResponse();
        for (var e : Standard.map(args, "create").entrySet()) {
            try {
                Mailbox m = create(reach, e.getValue(), call);
                call.created(e.getKey(), Ids.mailbox(m.id()));
                out.created.set(e.getKey(), Json.object().put("id", Ids.mailbox(m.id())).put("sortOrder", 10)
                        .put("totalEmails", 0).put("unreadEmails", 0).put("totalThreads", 0).put("unreadThreads", 0));
                mail.announce(account, m.id());
                reach = mail.reach(call); // the new mailbox is there for what follows
            } catch (Standard.Refused r) {
                out.notCreated.set(e.getKey(), r.error.toJson());
            }
        }
        for (var e : Standard.map(args, "update").entrySet()) {
            try {
                long id = update(reach, call.resolve(e.getKey()), e.getValue(), call);
                out.updated.putNull(e.getKey());
                mail.announce(account, id);
            } catch (Standard.Refused r) {
                out.notUpdated.set(e.getKey(), r.error.toJson());
            }
        }
        boolean removeEmails = Standard.bool(args, "onDestroyRemoveEmails");
        for (String id : Standard.destroyList(args)) {
            try {
                destroy(reach, call.resolve(id), removeEmails);
                out.destroyed.add(id);
            } catch (Standard.Refused r) {
                out.notDestroyed.set(id, r.error.toJson());
            }
        }
        return out.toJson(call.jmapAccountId(), oldState, mail.mailboxState(mail.reach(call)));
    }

    private static Mailbox find(Reach reach, String id) {
        return Ids.mailbox(id).flatMap(reach::mailbox).orElseThrow(() -> new Standard.Refused("notFound", "no mailbox " + id));
    }

    /**
     * The full name of a mailbox to be made or moved: below a parent the login may create in ("k"),
     * or at the top, which only the account's owner may (RFC 4314 section 4, CREATE).
     */
    private String fullName(Reach reach, JsonNode parentId, String name, Call call) {
        checkedName(name);
        if (parentId == null || parentId.isNull()) {
            if (!reach.own()) throw new Standard.Refused("forbidden", "only the account's owner makes mailboxes at its top level");
            return name;
        }
        if (!call.knows(parentId.asText())) throw new Standard.Refused(new Standard.SetError("invalidProperties", "no parent " + parentId.asText(), List.of("parentId")));
        Mailbox parent = find(reach, call.resolve(parentId.asText()));
        reach.require(parent.id(), "k", "create mailboxes");
        return parent.name() + SEP + name;
    }

    private Mailbox create(Reach reach, JsonNode props, Call call) {
        String role = props.path("role").isTextual() ? props.get("role").asText() : null;
        if (role != null && !ROLES.containsKey(role)) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "no role " + role + " can be given here", List.of("role")));
        }
        String name = fullName(reach, props.get("parentId"), props.path("name").asText(null), call);
        try {
            Mailbox m = mail.store().createMailbox(reach.accountId(), name, role == null ? null : ROLES.get(role));
            if (props.path("isSubscribed").asBoolean(false)) subscribe(reach, name, true);
            return m;
        } catch (Directory.AlreadyExists e) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "a mailbox " + name + " exists", List.of("name")));
        }
    }

    private long update(Reach reach, String id, JsonNode patch, Call call) {
        Mailbox m = find(reach, id);
        for (var e : patch.properties()) {
            if (!Set.of("name", "parentId", "isSubscribed", "sortOrder", "shareWith").contains(e.getKey()) && !e.getKey().startsWith("shareWith/")) {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", e.getKey() + " cannot be changed", List.of(e.getKey())));
            }
        }
        int cut = m.name().lastIndexOf(SEP);
        String target = m.name();
        if (patch.has("name") || patch.has("parentId")) {
            String name = patch.has("name") ? patch.get("name").asText() : cut < 0 ? m.name() : m.name().substring(cut + 1);
            JsonNode parent = patch.has("parentId") ? patch.get("parentId") : null;
            target = parent != null ? fullName(reach, parent, name, call)
                    : (cut < 0 ? "" : m.name().substring(0, cut + 1)) + checkedName(name);
        }
        if (!target.equals(m.name())) {
            reach.require(m.id(), "x", "rename");
            if (m.name().equalsIgnoreCase(Mailbox.INBOX)) throw new Standard.Refused("forbidden", "the inbox keeps its name");
            if (target.startsWith(m.name() + SEP)) throw new Standard.Refused(new Standard.SetError("invalidProperties", "a mailbox cannot go below itself", List.of("parentId")));
            try {
                mail.store().renameMailbox(reach.accountId(), m.name(), target);
            } catch (Directory.AlreadyExists e) {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", "a mailbox " + target + " exists", List.of("name")));
            }
        }
        for (var e : patch.properties()) if (e.getKey().startsWith("shareWith")) ShareWith.change(mail, reach, m, e.getKey(), e.getValue());
        if (patch.has("isSubscribed")) subscribe(reach, target, patch.get("isSubscribed").asBoolean());
        return m.id();
    }

    private static String checkedName(String name) {
        if (name == null || name.isBlank() || name.contains(SEP) || name.length() > 200) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "a name is 1-200 characters without " + SEP, List.of("name")));
        }
        return name;
    }

    private void destroy(Reach reach, String id, boolean removeEmails) {
        Mailbox m = find(reach, id);
        long account = reach.accountId();
        reach.require(m.id(), "x", "delete");
        if (m.name().equalsIgnoreCase(Mailbox.INBOX)) throw new Standard.Refused("forbidden", "the inbox cannot be destroyed");
        // every mailbox of the account counts here, also those the login cannot see
        if (mail.store().mailboxes(account).stream().anyMatch(x -> x.name().startsWith(m.name() + SEP))) {
            throw new Standard.Refused("mailboxHasChild", "the mailbox has mailboxes below it");
        }
        if (!removeEmails && mail.store().status(account, m.id()).messages() > 0) {
            throw new Standard.Refused("mailboxHasEmail", "the mailbox holds messages (onDestroyRemoveEmails is false)");
        }
        try {
            mail.store().deleteMailbox(account, m.id());
            subscribe(reach, m.name(), false);
        } catch (StorageException e) {
            throw new Standard.Refused("notFound", e.getMessage());
        }
        mail.announce(account, m.id());
    }
}
