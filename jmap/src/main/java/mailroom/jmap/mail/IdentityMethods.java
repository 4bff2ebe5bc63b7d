package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.storage.Account;
import mailroom.storage.Identities.Identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Identity/get, /changes and /set (RFC 8621 section 6), stored per account. Every account has its
 * own address as identity "i{account}" (mayDelete false; its name and signatures may be changed);
 * others are "i{account}-{n}". An identity's email must be an address the account may send as
 * ({@link SendAs}), else forbiddenFrom; it cannot be changed after creation (RFC 8621 section 6.3).
 * The state is the store's version of the account's identities; /changes from an older one answers
 * cannotCalculateChanges, which the RFC allows and which makes a client fetch them again.
 */
public final class IdentityMethods {
    private static final Set<String> SETTABLE = Set.of("name", "email", "replyTo", "bcc", "textSignature", "htmlSignature");

    private final MailContext mail;

    public IdentityMethods(MailContext mail) {
        this.mail = mail;
    }

    public void register(MethodTable table) {
        table.add("Identity/get", Capability.SUBMISSION, Access.READ, this::get)
                .add("Identity/changes", Capability.SUBMISSION, Access.READ, this::changes)
                .add("Identity/set", Capability.SUBMISSION, Access.SEND, this::set);
    }

    /** The id of the account's own identity. */
    static String id(Call call) {
        return "i" + call.accountId();
    }

    private static String id(Call call, long n) {
        return n == 0 ? id(call) : id(call) + "-" + n;
    }

    /** The store's number of an identity id of this account. */
    private static Optional<Long> number(Call call, String id) {
        if (id.equals(id(call))) return Optional.of(0L);
        String prefix = id(call) + "-";
        return id.startsWith(prefix) && id.substring(prefix.length()).matches("[1-9][0-9]{0,17}") ? Optional.of(Long.parseLong(id.substring(prefix.length()))) : Optional.empty();
    }

    private String state(long account) {
        return Long.toString(mail.storage().identities().version(account));
    }

    /** The account's identities by number, its own first (as stored, or as it is before any change). */
    private Map<Long, Identity> all(Account account) {
        Map<Long, Identity> out = new LinkedHashMap<>();
        out.put(0L, new Identity(0, "", account.address(), null, null, "", ""));
        for (Identity i : mail.storage().identities().list(account.id())) out.put(i.id(), i);
        return out;
    }

    /** Whether the account has an identity with this id (EmailSubmission/set asks), and its address. */
    Optional<String> email(Call call, String id) {
        return number(call, id).map(n -> all(call.principal().account()).get(n)).map(Identity::email);
    }

    private static ObjectNode toJson(Call call, Identity i) {
        ObjectNode o = Json.object().put("id", id(call, i.id())).put("name", i.name()).put("email", i.email());
        o.set("replyTo", addresses(i.replyTo()));
        o.set("bcc", addresses(i.bcc()));
        o.put("textSignature", i.textSignature()).put("htmlSignature", i.htmlSignature()).put("mayDelete", i.id() != 0);
        return o;
    }

    private static JsonNode addresses(String json) {
        if (json == null) return Json.MAPPER.nullNode();
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return Json.MAPPER.nullNode();
        }
    }

    private ObjectNode get(ObjectNode args, Call call) {
        List<String> ids = Standard.ids(args, "ids", mail.limits().maxObjectsInGet());
        Set<String> properties = Standard.properties(args, Set.of("id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature", "mayDelete"),
                List.of("id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature", "mayDelete"));
        String state = state(call.accountId());
        Map<Long, Identity> all = all(call.principal().account());
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        if (ids == null) {
            all.values().forEach(i -> list.add(only(toJson(call, i), properties)));
        } else {
            for (String id : ids) {
                var i = number(call, id).map(all::get);
                if (i.isPresent()) list.add(only(toJson(call, i.get()), properties));
                else notFound.add(id);
            }
        }
        return Standard.getResponse(call.jmapAccountId(), state, list, notFound);
    }

    private static ObjectNode only(ObjectNode o, Set<String> properties) {
        o.retain(properties);
        o.put("id", o.path("id").asText());
        return o;
    }

    private ObjectNode changes(ObjectNode args, Call call) {
        String since = Standard.required(args, "sinceState");
        String now = state(call.accountId());
        if (!since.equals(now)) throw MethodError.cannotCalculateChanges("identities changed since " + since + ": get them again");
        return Standard.changesResponse(call.jmapAccountId(), since, now, false, List.of(), List.of(), List.of());
    }

    private ObjectNode set(ObjectNode args, Call call) {
        Standard.checkSetSize(args, mail.limits().maxObjectsInSet());
        Account account = call.principal().account();
        String oldState = state(account.id());
        Standard.ifInState(args, oldState);
        var out = new Standard.SetResponse();
        for (var e : Standard.map(args, "create").entrySet()) {
            try {
                Identity made = mail.storage().identities().create(account.id(), fromJson(e.getValue(), null, account));
                call.created(e.getKey(), id(call, made.id()));
                out.created.set(e.getKey(), Json.object().put("id", id(call, made.id())).put("mayDelete", true));
            } catch (Standard.Refused r) {
                out.notCreated.set(e.getKey(), r.error.toJson());
            }
        }
        for (var e : Standard.map(args, "update").entrySet()) {
            try {
                String id = call.resolve(e.getKey());
                Identity current = number(call, id).map(all(account)::get).orElseThrow(() -> new Standard.Refused("notFound", "no identity " + id));
                Identity patched = fromJson(e.getValue(), current, account);
                mail.storage().identities().update(account.id(), patched);
                out.updated.set(e.getKey(), null);
            } catch (Standard.Refused r) {
                out.notUpdated.set(e.getKey(), r.error.toJson());
            }
        }
        for (String id : Standard.destroyList(args)) {
            var n = number(call, call.resolve(id));
            if (n.isPresent() && n.get() == 0) out.notDestroyed.set(id, new Standard.SetError("forbidden", "the account's own identity cannot be deleted (mayDelete is false)").toJson());
            else if (n.isPresent() && mail.storage().identities().delete(account.id(), n.get())) out.destroyed.add(id);
            else out.notDestroyed.set(id, new Standard.SetError("notFound", "no identity " + id).toJson());
        }
        return out.toJson(call.jmapAccountId(), oldState, state(account.id()));
    }

    /** A new identity from a create ({@code current} null) or the current one with a patch applied. */
    private Identity fromJson(JsonNode o, Identity current, Account account) {
        if (!o.isObject()) throw new Standard.Refused("invalidProperties", "an Identity is an object");
        for (var p : o.properties()) {
            if (p.getKey().equals("id") || p.getKey().equals("mayDelete")) {
                boolean same = current != null && (p.getKey().equals("mayDelete") ? p.getValue().asBoolean() == (current.id() != 0) : true);
                if (!same) throw new Standard.Refused(new Standard.SetError("invalidProperties", p.getKey() + " is set by the server", List.of(p.getKey())));
            } else if (!SETTABLE.contains(p.getKey())) {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", "no property " + p.getKey(), List.of(p.getKey())));
            }
        }
        String email = current == null ? o.path("email").asText("") : current.email();
        if (current == null && !SendAs.allowed(mail, account, email)) {
            throw new Standard.Refused(new Standard.SetError("forbiddenFrom", email + " is not an address " + account.address() + " may send as", List.of("email")));
        }
        if (current != null && o.has("email") && !o.get("email").asText("").equalsIgnoreCase(current.email())) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "an identity's email cannot be changed; create another", List.of("email")));
        }
        return new Identity(current == null ? 0 : current.id(),
                text(o, "name", current == null ? "" : current.name()), email,
                addressList(o, "replyTo", current == null ? null : current.replyTo()),
                addressList(o, "bcc", current == null ? null : current.bcc()),
                text(o, "textSignature", current == null ? "" : current.textSignature()),
                text(o, "htmlSignature", current == null ? "" : current.htmlSignature()));
    }

    private static String text(JsonNode o, String name, String otherwise) {
        if (!o.has(name)) return otherwise;
        if (!o.get(name).isTextual()) throw new Standard.Refused(new Standard.SetError("invalidProperties", name + " is a string", List.of(name)));
        return o.get(name).asText();
    }

    /** An EmailAddress[] or null, checked and kept as its JSON text. */
    private static String addressList(JsonNode o, String name, String otherwise) {
        if (!o.has(name)) return otherwise;
        JsonNode v = o.get(name);
        if (v.isNull()) return null;
        boolean valid = v.isArray();
        ArrayNode clean = Json.array();
        for (JsonNode a : v) {
            valid &= a.isObject() && a.path("email").isTextual() && (!a.has("name") || a.get("name").isNull() || a.get("name").isTextual());
            if (valid) clean.add(Json.object().put("name", a.path("name").isTextual() ? a.get("name").asText() : null).put("email", a.get("email").asText()));
        }
        if (!valid) throw new Standard.Refused(new Standard.SetError("invalidProperties", name + " is a list of {name, email} or null", List.of(name)));
        return clean.toString();
    }
}
