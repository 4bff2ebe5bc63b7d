package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.mime.MessageParser;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.storage.Change;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** Email/get, /changes, /set, /import, /copy, /parse and Thread/get, /changes (RFC 8621 sections 3 and 4). */
public final class EmailMethods {
    private final MailContext mail;
    private final Blobs blobs;
    private final mailroom.jmap.core.AccountAccess access;
    private MethodTable table;

    public EmailMethods(MailContext mail, Blobs blobs, mailroom.jmap.core.AccountAccess access) {
        this.mail = mail;
        this.blobs = blobs;
        this.access = access;
    }

    public void register(MethodTable table) {
        this.table = table;
        table.add("Email/get", Capability.MAIL, Access.READ, this::get)
                .add("Email/changes", Capability.MAIL, Access.READ, (a, c) -> changes(a, c, 'e'))
                .add("Email/set", Capability.MAIL, Access.WRITE, this::set)
                .add("Email/import", Capability.MAIL, Access.WRITE, this::importEmails)
                .add("Email/copy", Capability.MAIL, Access.WRITE, this::copy)
                .add("Email/parse", Capability.MAIL, Access.READ, this::parse)
                .add("Thread/get", Capability.MAIL, Access.READ, this::threads)
                .add("Thread/changes", Capability.MAIL, Access.READ, (a, c) -> changes(a, c, 't'));
    }

    private static ObjectNode mailboxIds(long mailboxId) {
        return Json.object().put(Ids.mailbox(mailboxId), true);
    }

    ObjectNode render(Blobs.Message m, Set<String> properties, EmailView.BodyOptions body, long account) {
        Ids.Ref ref = Ids.ref(m.mailboxId(), m.summary().uid());
        ObjectNode o = Json.object().put("id", ref.emailId());
        for (String p : properties) {
            switch (p) {
                case "blobId" -> o.put(p, ref.blobId());
                case "threadId" -> o.put(p, Ids.threadOf(m.mailboxId(), m.summary()));
                case "mailboxIds" -> o.set(p, mailboxIds(m.mailboxId()));
                case "keywords" -> o.set(p, Keywords.of(m.summary().flags()));
                case "size" -> o.put(p, m.summary().size());
                case "receivedAt" -> o.put(p, m.summary().internalDate().toString());
                default -> { }
            }
        }
        Supplier<Content> content = lazy(() -> {
            try {
                return new Content(mail.storage().blobs().read(m.summary().blobId()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        new EmailView(part -> ref.partBlobId(part.partId())).render(o, m.parsed(), content, properties, body);
        return o;
    }

    static <T> Supplier<T> lazy(Supplier<T> make) {
        return new Supplier<>() {
            T value;

            @Override
            public T get() {
                if (value == null) value = make.get();
                return value;
            }
        };
    }

    private ObjectNode get(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        long account = reach.accountId();
        List<String> ids = Standard.ids(args, "ids", mail.limits().maxObjectsInGet());
        if (ids == null) throw MethodError.requestTooLarge("give the ids of the Emails to get (Email/query finds them)");
        Set<String> properties = Standard.properties(args, EmailView.KNOWN, EmailView.DEFAULT);
        var body = EmailView.BodyOptions.of(args);
        String state = mail.emailState(reach);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        for (String id : ids) {
            Optional<Blobs.Message> m = Ids.parse(call.resolve(id), 'e').flatMap(r -> blobs.message(reach, r.mailboxId(), r.uid()));
            if (m.isPresent()) list.add(render(m.get(), properties, body, account));
            else notFound.add(id);
        }
        return Standard.getResponse(call.jmapAccountId(), state, list, notFound);
    }

    /** What the change log says happened to which messages since a state. */
    record Delta(Set<Ids.Ref> created, Set<Ids.Ref> updated, Set<Ids.Ref> destroyed, long upTo, boolean more) {}

    /**
     * Reads the log after {@code since}, folding several entries for one message into one outcome
     * (made and gone again in the window: not reported). Stops after the MODSEQ at which
     * {@code max} messages are reached, so a client catches up in steps.
     */
    Delta delta(Reach reach, States since, int max) {
        long account = reach.accountId();
        List<Mailbox> now = reach.mailboxes();
        for (long id : since.mailboxIds()) {
            if (now.stream().noneMatch(m -> m.id() == id)) {
                throw MethodError.cannotCalculateChanges("a mailbox was deleted since that state, and its messages with it");
            }
        }
        long head = mail.store().highestModseq(account);
        if (since.modseq() > head) throw MethodError.cannotCalculateChanges("that state is from the future");
        Map<Ids.Ref, Change.Kind> first = new LinkedHashMap<>(), last = new LinkedHashMap<>();
        long upTo = head;
        boolean more = false;
        long lastModseq = since.modseq();
        List<Change> log = mail.store().changesSince(account, since.modseq());
        for (int i = 0; i < log.size(); i++) {
            Change c = log.get(i);
            if (!reach.readable(c.mailboxId())) continue; // not there for this login
            Ids.Ref ref = Ids.ref(c.mailboxId(), c.uid());
            if (!first.containsKey(ref) && first.size() >= max) {
                upTo = lastModseq;
                // a MODSEQ is never split: drop what was read of the last one if it goes on here
                if (c.modseq() == upTo) throw MethodError.cannotCalculateChanges("one change touched more than maxChanges messages");
                more = true;
                break;
            }
            first.putIfAbsent(ref, c.kind());
            last.put(ref, c.kind());
            lastModseq = c.modseq();
        }
        Set<Ids.Ref> created = new LinkedHashSet<>(), updated = new LinkedHashSet<>(), destroyed = new LinkedHashSet<>();
        for (var e : first.entrySet()) {
            boolean born = e.getValue() == Change.Kind.ADDED;
            boolean gone = last.get(e.getKey()) == Change.Kind.EXPUNGED;
            if (born && gone) continue;
            if (gone) destroyed.add(e.getKey());
            else if (born) created.add(e.getKey());
            else updated.add(e.getKey());
        }
        return new Delta(created, updated, destroyed, upTo, more);
    }

    private ObjectNode changes(ObjectNode args, Call call, char kind) {
        Reach reach = mail.reach(call);
        String sinceState = Standard.required(args, "sinceState");
        Delta d = delta(reach, States.parse(sinceState), Standard.maxChanges(args));
        String newState = States.email(d.upTo(), reach.mailboxes());
        if (kind == 't') return threadChanges(reach, call, sinceState, newState, d);
        return Standard.changesResponse(call.jmapAccountId(), sinceState, newState, d.more(),
                d.created().stream().map(Ids.Ref::emailId).toList(), d.updated().stream().map(Ids.Ref::emailId).toList(),
                d.destroyed().stream().map(Ids.Ref::emailId).toList());
    }

    /**
     * Thread/changes from the Email changes: a thread an Email began is created with it; a thread an
     * Email joined, left or changed in is updated; a thread an Email began is destroyed when nothing
     * is left in it. An Email that is gone no longer says which thread it was in, so the removal of a
     * reply from a thread that goes on is not reported (the client sees the Email destroyed).
     */
    private ObjectNode threadChanges(Reach reach, Call call, String since, String newState, Delta d) {
        long account = reach.accountId();
        Set<String> created = new LinkedHashSet<>(), updated = new LinkedHashSet<>(), destroyed = new LinkedHashSet<>();
        for (Ids.Ref r : d.created()) {
            var s = mail.store().messages(account, r.mailboxId(), List.of(r.uid()));
            if (s.isEmpty()) continue;
            String thread = Ids.threadOf(r.mailboxId(), s.get(0));
            (thread.equals(r.threadId()) ? created : updated).add(thread);
        }
        for (Ids.Ref r : d.updated()) {
            var s = mail.store().messages(account, r.mailboxId(), List.of(r.uid()));
            if (!s.isEmpty()) updated.add(Ids.threadOf(r.mailboxId(), s.get(0)));
        }
        for (Ids.Ref r : d.destroyed()) {
            long number = Ids.threadNumber(r.threadId()).orElse(0L);
            if (members(reach, number).isEmpty()) destroyed.add(r.threadId());
            else updated.add(r.threadId());
        }
        created.removeAll(destroyed);
        updated.removeAll(created);
        updated.removeAll(destroyed);
        return Standard.changesResponse(call.jmapAccountId(), since, newState, d.more(), List.copyOf(created), List.copyOf(updated), List.copyOf(destroyed));
    }

    /** A thread's messages that the login may read, oldest first. */
    private List<MailStore.Located> members(Reach reach, long thread) {
        return mail.store().thread(reach.accountId(), thread).stream().filter(m -> reach.readable(m.mailboxId())).toList();
    }

    private ObjectNode threads(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        List<String> ids = Standard.ids(args, "ids", mail.limits().maxObjectsInGet());
        if (ids == null) throw MethodError.requestTooLarge("give the ids of the threads to get");
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        for (String id : ids) {
            // RFC 8621 section 2.1: every Email of the thread, oldest receivedAt first.
            var members = Ids.threadNumber(id).map(n -> members(reach, n)).orElse(List.of());
            if (members.isEmpty()) {
                notFound.add(id);
                continue;
            }
            list.add(Json.object().put("id", id).set("emailIds", Json.array(members.stream().map(m -> Ids.ref(m.mailboxId(), m.uid()).emailId()).toList())));
        }
        return Standard.getResponse(call.jmapAccountId(), mail.emailState(reach), list, notFound);
    }

    private ObjectNode set(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        Standard.checkSetSize(args, mail.limits().maxObjectsInSet());
        String oldState = mail.emailState(reach);
        Standard.ifInState(args, oldState);
        var out = new Standard.SetResponse();
        for (var e : Standard.map(args, "create").entrySet()) {
            try {
                Ids.Ref ref = create(reach, e.getValue(), call);
                call.created(e.getKey(), ref.emailId());
                out.created.set(e.getKey(), created(reach, ref));
            } catch (Standard.Refused r) {
                out.notCreated.set(e.getKey(), r.error.toJson());
            } catch (Composer.Invalid i) {
                out.notCreated.set(e.getKey(), new Standard.SetError("invalidProperties", i.getMessage(), List.of(i.property)).toJson());
            }
        }
        for (var e : Standard.map(args, "update").entrySet()) {
            try {
                Optional<Ids.Ref> moved = update(reach, call.resolve(e.getKey()), e.getValue(), call);
                // A move gives the message a new id (see Ids); the client learns it from Email/changes.
                out.updated.set(e.getKey(), moved.isEmpty() ? null : Json.object().put("id", moved.get().emailId()));
            } catch (Standard.Refused r) {
                out.notUpdated.set(e.getKey(), r.error.toJson());
            }
        }
        for (String id : Standard.destroyList(args)) {
            var ref = Ids.parse(call.resolve(id), 'e').filter(r -> reach.readable(r.mailboxId()));
            if (ref.isPresent() && !reach.may(ref.get().mailboxId(), "te")) {
                out.notDestroyed.set(id, new Standard.SetError("forbidden", "you may not remove messages from this mailbox (it needs the rights \"te\")").toJson());
            } else if (ref.isPresent() && mail.store().expunge(reach.accountId(), ref.get().mailboxId(), List.of(ref.get().uid())) > 0) {
                out.destroyed.add(id);
            } else {
                out.notDestroyed.set(id, new Standard.SetError("notFound", "no Email " + id).toJson());
            }
        }
        return out.toJson(call.jmapAccountId(), oldState, mail.emailState(reach));
    }

    /** The one mailbox an Email is to be in: the store keeps a message per mailbox (see Ids). */
    private long oneMailbox(JsonNode mailboxIds, Call call) {
        if (mailboxIds == null || !mailboxIds.isObject() || mailboxIds.size() != 1) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "an Email is in exactly one mailbox on this server", List.of("mailboxIds")));
        }
        String id = mailboxIds.fieldNames().next();
        if (!call.knows(id)) throw new Standard.Refused(new Standard.SetError("invalidProperties", "no mailbox " + id, List.of("mailboxIds")));
        return Ids.mailbox(call.resolve(id)).orElseThrow(() -> new Standard.Refused(new Standard.SetError("invalidProperties", "no mailbox " + id, List.of("mailboxIds"))));
    }

    private static Set<String> flags(JsonNode keywords) {
        Set<String> flags = new LinkedHashSet<>();
        if (keywords == null || keywords.isNull()) return flags;
        if (!keywords.isObject()) throw new Standard.Refused(new Standard.SetError("invalidProperties", "keywords is an object", List.of("keywords")));
        for (var e : keywords.properties()) {
            if (!Keywords.valid(e.getKey()) || !e.getValue().asBoolean(false)) {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", "not a keyword: " + e.getKey(), List.of("keywords")));
            }
            flags.add(Keywords.flag(e.getKey()));
        }
        return flags;
    }

    private Ids.Ref create(Reach reach, JsonNode email, Call call) {
        // The mailbox is checked first, before the message is written.
        long mailboxId = oneMailbox(email.get("mailboxIds"), call);
        Set<String> flags = flags(email.get("keywords"));
        if (reach.mailbox(mailboxId).isPresent()) reach.require(mailboxId, "i", "add messages"); // before composing
        byte[] bytes = new Composer(mail.hostname(), blobId -> blobs.find(reach, blobId).orElse(null)).compose(email);
        Instant received = email.path("receivedAt").isTextual() ? Instant.parse(email.get("receivedAt").asText()) : Instant.now();
        return mail.file(reach, mailboxId, bytes, flags, received);
    }

    /** Applies a patch; returns the new place of the message when the patch moved it. */
    private Optional<Ids.Ref> update(Reach reach, String id, JsonNode patch, Call call) {
        long account = reach.accountId();
        Ids.Ref ref = Ids.parse(id, 'e').filter(r -> reach.readable(r.mailboxId()) && !mail.store().messages(account, r.mailboxId(), List.of(r.uid())).isEmpty())
                .orElseThrow(() -> new Standard.Refused("notFound", "no Email " + id));
        Set<String> current = reach.asSeen(ref.mailboxId(), mail.store().messages(account, ref.mailboxId(), List.of(ref.uid())).get(0)).flags();
        Set<String> add = new HashSet<>(), remove = new HashSet<>();
        ObjectNode boxes = mailboxIds(ref.mailboxId());
        boolean boxesChanged = false;
        for (var e : patch.properties()) {
            String key = e.getKey();
            if (key.equals("keywords")) {
                Set<String> wanted = flags(e.getValue());
                for (String f : current) if (!f.startsWith("\\") || Set.of("\\Seen", "\\Flagged", "\\Answered", "\\Draft").stream().anyMatch(f::equalsIgnoreCase)) remove.add(f);
                remove.removeAll(wanted);
                add.addAll(wanted);
            } else if (key.startsWith("keywords/")) {
                String keyword = key.substring(9);
                if (!Keywords.valid(keyword)) throw new Standard.Refused(new Standard.SetError("invalidPatch", "not a keyword: " + keyword, List.of(key)));
                if (e.getValue().asBoolean(false)) add.add(Keywords.flag(keyword));
                else if (e.getValue().isNull()) remove.add(Keywords.flag(keyword));
                else throw new Standard.Refused(new Standard.SetError("invalidPatch", key + " is true or null", List.of(key)));
            } else if (key.equals("mailboxIds")) {
                boxes = e.getValue().isObject() ? (ObjectNode) e.getValue() : Json.object();
                boxesChanged = true;
            } else if (key.startsWith("mailboxIds/")) {
                String box = key.substring(11);
                if (e.getValue().asBoolean(false)) boxes.put(box, true);
                else boxes.remove(box);
                boxesChanged = true;
            } else {
                throw new Standard.Refused(new Standard.SetError("invalidProperties", key + " cannot be changed (only keywords and mailboxIds)", List.of(key)));
            }
        }
        long target = boxesChanged ? oneMailbox(boxes, call) : ref.mailboxId();
        if (boxesChanged && reach.mailbox(target).isEmpty()) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "no mailbox " + Ids.mailbox(target), List.of("mailboxIds")));
        }
        if (target != ref.mailboxId()) { // a move, as IMAP MOVE: "te" where it leaves, "i" where it goes (RFC 4314 section 4)
            reach.require(ref.mailboxId(), "te", "move messages out");
            reach.require(target, "i", "add messages");
        }
        add.removeAll(current); // only what changes needs a right
        remove.retainAll(current);
        reach.changeFlags(ref.mailboxId(), ref.uid(), add, remove);
        if (target == ref.mailboxId()) return Optional.empty();
        var copied = mail.store().copy(account, ref.mailboxId(), List.of(ref.uid()), target, true);
        if (copied.isEmpty()) throw new Standard.Refused("notFound", "no Email " + id);
        return Optional.of(Ids.ref(target, copied.get(0).targetUid()));
    }

    private ObjectNode importEmails(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        Map<String, JsonNode> emails = Standard.map(args, "emails");
        if (emails.size() > mail.limits().maxObjectsInSet()) throw MethodError.requestTooLarge(emails.size() + " emails; at most " + mail.limits().maxObjectsInSet());
        String oldState = mail.emailState(reach);
        Standard.ifInState(args, oldState);
        ObjectNode created = Json.object(), notCreated = Json.object();
        for (var e : emails.entrySet()) {
            try {
                JsonNode spec = e.getValue();
                long mailboxId = oneMailbox(spec.get("mailboxIds"), call);
                var blob = blobs.find(reach, spec.path("blobId").asText("")).orElseThrow(() -> new Standard.Refused("blobNotFound", "no blob " + spec.path("blobId").asText()));
                Instant received = spec.path("receivedAt").isTextual() ? Instant.parse(spec.get("receivedAt").asText()) : Instant.now();
                Ids.Ref ref = mail.file(reach, mailboxId, blob.bytes(), flags(spec.get("keywords")), received);
                call.created(e.getKey(), ref.emailId());
                created.set(e.getKey(), created(reach, ref));
            } catch (Standard.Refused r) {
                notCreated.set(e.getKey(), r.error.toJson());
            } catch (java.time.format.DateTimeParseException x) {
                notCreated.set(e.getKey(), new Standard.SetError("invalidProperties", "receivedAt is not a UTCDate", List.of("receivedAt")).toJson());
            }
        }
        ObjectNode r = Json.object().put("accountId", call.jmapAccountId()).put("oldState", oldState).put("newState", mail.emailState(reach));
        r.set("created", created.isEmpty() ? null : created);
        r.set("notCreated", notCreated.isEmpty() ? null : notCreated);
        return r;
    }

    /** What a /set, /import or /copy reports of an Email it made (RFC 8621 section 4.6): its ids and size, read once. */
    private ObjectNode created(Reach reach, Ids.Ref ref) {
        var s = mail.store().messages(reach.accountId(), ref.mailboxId(), List.of(ref.uid()));
        ObjectNode o = Json.object().put("id", ref.emailId()).put("blobId", ref.blobId());
        return s.isEmpty() ? o.put("threadId", ref.threadId()) : o.put("threadId", Ids.threadOf(ref.mailboxId(), s.get(0))).put("size", s.get(0).size());
    }

    /**
     * Email/copy (RFC 8621 section 4.7, RFC 8620 section 5.4): each Email of the from-account is
     * filed anew in the target account with the mailbox, keywords and receivedAt given (or its own).
     * Both accounts go through {@link mailroom.jmap.core.AccountAccess}: the from-account must be
     * readable (else fromAccountNotFound), the target writable (the dispatcher checked it); then, as
     * IMAP COPY between a shared mailbox and one's own, the source mailbox must be readable ("r")
     * and the target take new messages ("i"). RFC 8620 asks clients to name two different
     * accounts; we also accept the same one, because an Email is in one mailbox here (see Ids),
     * which makes a copy the only way to a second mailbox.
     */
    private ObjectNode copy(ObjectNode args, Call call) {
        String fromId = Standard.required(args, "fromAccountId");
        long from = mailroom.jmap.core.AccountAccess.storageId(fromId);
        if (from < 0 || !access.mayRead(call.principal(), from)) throw new MethodError("fromAccountNotFound", "no account " + fromId + " for this login");
        Reach source = mail.reach(call.principal().account(), from), target = mail.reach(call);
        Map<String, JsonNode> create = Standard.map(args, "create");
        if (create.size() > mail.limits().maxObjectsInSet()) throw MethodError.requestTooLarge(create.size() + " copies; at most " + mail.limits().maxObjectsInSet());
        String fromState = mail.emailState(source);
        if (args.hasNonNull("ifFromInState") && !args.get("ifFromInState").asText().equals(fromState)) throw MethodError.stateMismatch("the from-account's state is " + fromState);
        String oldState = mail.emailState(target);
        Standard.ifInState(args, oldState);
        ObjectNode created = Json.object(), notCreated = Json.object();
        List<String> copiedFrom = new ArrayList<>();
        for (var e : create.entrySet()) {
            try {
                JsonNode spec = e.getValue();
                String sourceId = spec.path("id").asText("");
                var original = Ids.parse(sourceId, 'e').flatMap(r -> blobs.message(source, r.mailboxId(), r.uid()))
                        .orElseThrow(() -> new Standard.Refused(new Standard.SetError("notFound", "no Email " + sourceId + " in " + fromId, List.of("id"))));
                long mailboxId = oneMailbox(spec.get("mailboxIds"), call);
                Set<String> keywords = spec.has("keywords") ? flags(spec.get("keywords")) : Keywords.storable(original.summary().flags());
                Instant received = spec.path("receivedAt").isTextual() ? Instant.parse(spec.get("receivedAt").asText()) : original.summary().internalDate();
                byte[] bytes = mail.storage().blobs().read(original.summary().blobId());
                Ids.Ref ref = mail.file(target, mailboxId, bytes, keywords, received);
                call.created(e.getKey(), ref.emailId());
                created.set(e.getKey(), created(target, ref));
                copiedFrom.add(sourceId);
            } catch (Standard.Refused r) {
                notCreated.set(e.getKey(), r.error.toJson());
            } catch (java.time.format.DateTimeParseException x) {
                notCreated.set(e.getKey(), new Standard.SetError("invalidProperties", "receivedAt is not a UTCDate", List.of("receivedAt")).toJson());
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }
        ObjectNode r = Json.object().put("fromAccountId", fromId).put("accountId", call.jmapAccountId())
                .put("oldState", oldState).put("newState", mail.emailState(target));
        r.set("created", created.isEmpty() ? null : created);
        r.set("notCreated", notCreated.isEmpty() ? null : notCreated);
        if (Standard.bool(args, "onSuccessDestroyOriginal") && !copiedFrom.isEmpty()) {
            // RFC 8620 section 5.4: an implicit Email/set on the from-account, after this response.
            ObjectNode destroy = Json.object().put("accountId", fromId);
            if (args.hasNonNull("destroyFromIfInState")) destroy.put("ifInState", args.get("destroyFromIfInState").asText());
            destroy.set("destroy", Json.array(copiedFrom));
            try {
                call.also("Email/set", call.invoke(table, "Email/set", destroy));
            } catch (MethodError m) {
                call.also("error", m.toJson());
            }
        }
        return r;
    }

    private ObjectNode parse(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        List<String> ids = Standard.ids(args, "blobIds", mail.limits().maxObjectsInGet());
        if (ids == null) throw MethodError.invalidArguments("blobIds is required");
        Set<String> known = new HashSet<>(EmailView.KNOWN);
        known.removeAll(Set.of("id", "mailboxIds", "keywords", "receivedAt"));
        List<String> defaults = List.of("messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject",
                "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments");
        Set<String> properties = Standard.properties(args, known, defaults);
        properties.remove("id");
        var body = EmailView.BodyOptions.of(args);
        ObjectNode parsed = Json.object();
        List<String> notParsable = new ArrayList<>(), notFound = new ArrayList<>();
        for (String blobId : ids) {
            var blob = blobs.find(reach, blobId);
            if (blob.isEmpty()) {
                notFound.add(blobId);
                continue;
            }
            try {
                byte[] bytes = blob.get().bytes();
                var structure = MessageParser.parse(bytes);
                ObjectNode o = Json.object().putNull("id").put("blobId", blobId).putNull("threadId").put("size", bytes.length);
                Content content = new Content(bytes);
                new EmailView(part -> null).render(o, structure, () -> content, properties, body);
                parsed.set(blobId, o);
            } catch (RuntimeException e) {
                notParsable.add(blobId);
            }
        }
        ObjectNode r = Json.object().put("accountId", call.jmapAccountId());
        r.set("parsed", parsed.isEmpty() ? null : parsed);
        r.set("notParsable", notParsable.isEmpty() ? null : Json.array(notParsable));
        r.set("notFound", notFound.isEmpty() ? null : Json.array(notFound));
        return r;
    }
}
