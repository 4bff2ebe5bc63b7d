package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.mime.ParsedMessage;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Email/query, Email/queryChanges and SearchSnippet/get (RFC 8621 sections 4.4, 4.5 and 5). Filters
 * on the stored fields (mailbox, dates, size, keywords) cost nothing more than the listing; header
 * and text filters read the stored structure and, for text, the bytes. The common case, one
 * mailbox newest first with a window, is answered from the store's arrival index without listing
 * the mailbox ({@link #newestInMailbox}). collapseThreads keeps the first Email of each thread.
 */
public final class EmailQuery {
    private static final Set<String> CONDITIONS = Set.of("inMailbox", "inMailboxOtherThan", "before", "after", "minSize", "maxSize",
            "allInThreadHaveKeyword", "someInThreadHaveKeyword", "noneInThreadHaveKeyword", "hasKeyword", "notKeyword", "hasAttachment",
            "text", "from", "to", "cc", "bcc", "subject", "body", "header");
    private static final Set<String> SORTS = Set.of("receivedAt", "size", "subject", "from", "to", "sentAt", "hasKeyword",
            "allInThreadHaveKeyword", "someInThreadHaveKeyword");

    private final MailContext mail;
    private final EmailMethods emails;

    public EmailQuery(MailContext mail, EmailMethods emails) {
        this.mail = mail;
        this.emails = emails;
    }

    public void register(MethodTable table) {
        table.add("Email/query", Capability.MAIL, Access.READ, this::query)
                .add("Email/queryChanges", Capability.MAIL, Access.READ, this::queryChanges)
                .add("SearchSnippet/get", Capability.MAIL, Access.READ, this::snippets);
    }

    /** One candidate message, its structure and bytes read once and only if a condition needs them. */
    private final class Candidate {
        final long account;
        final long mailboxId;
        final MessageSummary summary;
        private ParsedMessage parsed;
        private Content content;

        Candidate(long account, long mailboxId, MessageSummary summary) {
            this.account = account;
            this.mailboxId = mailboxId;
            this.summary = summary;
        }

        Ids.Ref ref() {
            return Ids.ref(mailboxId, summary.uid());
        }

        ParsedMessage parsed() {
            if (parsed == null) parsed = mail.store().structure(account, mailboxId, summary).orElseThrow();
            return parsed;
        }

        Content content() {
            if (content == null) {
                try {
                    content = new Content(mail.storage().blobs().read(summary.blobId()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return content;
        }

        String header(String name, String form) {
            JsonNode v = content().header(parsed().root(), "header:" + name + ":" + form);
            return v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString();
        }

        String bodyText() {
            var bodies = EmailView.Bodies.of(EmailView.tree(parsed().root()));
            StringBuilder b = new StringBuilder();
            for (var p : bodies.text()) if (p.mime().type().equals("text")) b.append(content().text(p.mime())).append('\n');
            if (b.isEmpty()) for (var p : bodies.html()) if (p.mime().type().equals("text")) b.append(content().text(p.mime()).replaceAll("<[^>]*>", " "));
            return b.toString();
        }
    }

    private static boolean contains(String haystack, String needle) {
        return haystack.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
    }

    private Predicate<Candidate> filter(JsonNode f, Call call) {
        if (f == null || f.isNull() || f.isMissingNode()) return c -> true;
        if (!f.isObject()) throw MethodError.invalidArguments("a filter is an object");
        if (f.has("operator")) {
            List<Predicate<Candidate>> parts = new ArrayList<>();
            for (JsonNode c : f.path("conditions")) parts.add(filter(c, call));
            return switch (f.get("operator").asText()) {
                case "AND" -> c -> parts.stream().allMatch(p -> p.test(c));
                case "OR" -> c -> parts.stream().anyMatch(p -> p.test(c));
                case "NOT" -> c -> parts.stream().noneMatch(p -> p.test(c));
                default -> throw new MethodError("unsupportedFilter", "no operator " + f.get("operator").asText());
            };
        }
        Predicate<Candidate> all = c -> true;
        for (var e : f.properties()) {
            if (!CONDITIONS.contains(e.getKey())) throw new MethodError("unsupportedFilter", "cannot filter Emails by " + e.getKey());
            JsonNode v = e.getValue();
            String s = v.asText();
            Predicate<Candidate> p = switch (e.getKey()) {
                case "inMailbox" -> {
                    long id = Ids.mailbox(call.resolve(s)).orElse(-1L);
                    yield c -> c.mailboxId == id;
                }
                case "inMailboxOtherThan" -> {
                    Set<Long> ids = new HashSet<>();
                    v.forEach(n -> ids.add(Ids.mailbox(n.asText()).orElse(-1L)));
                    yield c -> !ids.contains(c.mailboxId);
                }
                case "before" -> {
                    Instant t = instant(s);
                    yield c -> c.summary.internalDate().isBefore(t);
                }
                case "after" -> {
                    Instant t = instant(s);
                    yield c -> !c.summary.internalDate().isBefore(t);
                }
                case "minSize" -> c -> c.summary.size() >= v.asLong();
                case "maxSize" -> c -> c.summary.size() < v.asLong();
                case "hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword" -> c -> Keywords.has(c.summary.flags(), s);
                case "notKeyword", "noneInThreadHaveKeyword" -> c -> !Keywords.has(c.summary.flags(), s);
                case "hasAttachment" -> c -> v.asBoolean() == !EmailView.Bodies.of(EmailView.tree(c.parsed().root())).attachments().isEmpty();
                case "from", "to", "cc", "bcc" -> c -> contains(c.header(e.getKey(), "asRaw") + c.header(e.getKey(), "asAddresses"), s);
                case "subject" -> c -> contains(c.header("Subject", "asText"), s);
                case "body" -> c -> contains(c.bodyText(), s);
                case "text" -> c -> contains(c.header("Subject", "asText"), s) || contains(c.header("From", "asRaw"), s)
                        || contains(c.header("To", "asRaw"), s) || contains(c.header("Cc", "asRaw"), s) || contains(c.bodyText(), s);
                case "header" -> {
                    if (!v.isArray() || v.isEmpty()) throw MethodError.invalidArguments("header is [name] or [name, value]");
                    String name = v.get(0).asText();
                    String value = v.size() > 1 ? v.get(1).asText() : null;
                    yield c -> c.content().fields(c.parsed().root()).stream()
                            .anyMatch(fl -> fl.name().equalsIgnoreCase(name) && (value == null || contains(Content.text(fl.raw()), value)));
                }
                default -> throw new MethodError("unsupportedFilter", e.getKey());
            };
            all = all.and(p);
        }
        return all;
    }

    private static Instant instant(String s) {
        try {
            return Instant.parse(s);
        } catch (RuntimeException e) {
            throw MethodError.invalidArguments("not a UTCDate: " + s);
        }
    }

    private Comparator<Candidate> sort(JsonNode sort) {
        Comparator<Candidate> order = null;
        if (sort != null && sort.isArray()) {
            for (JsonNode s : sort) {
                String property = s.path("property").asText();
                if (!SORTS.contains(property)) throw new MethodError("unsupportedSort", "cannot sort Emails by " + property);
                String collation = s.path("collation").asText("i;unicode-casemap");
                if (!Set.of("i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap").contains(collation)) {
                    throw new MethodError("unsupportedSort", "no collation " + collation);
                }
                String keyword = s.path("keyword").asText(null);
                Comparator<Candidate> c = switch (property) {
                    case "receivedAt" -> Comparator.comparing(x -> x.summary.internalDate());
                    case "size" -> Comparator.comparingLong(x -> x.summary.size());
                    case "subject" -> Comparator.comparing(x -> baseSubject(x.header("Subject", "asText")));
                    case "from", "to" -> Comparator.comparing(x -> x.header(property, "asAddresses").toLowerCase(Locale.ROOT));
                    case "sentAt" -> Comparator.comparing(x -> x.header("Date", "asDate"));
                    default -> {
                        if (keyword == null) throw MethodError.invalidArguments("sorting by " + property + " needs a keyword");
                        yield Comparator.comparing(x -> Keywords.has(x.summary.flags(), keyword));
                    }
                };
                if (!s.path("isAscending").asBoolean(true)) c = c.reversed();
                order = order == null ? c : order.thenComparing(c);
            }
        }
        // Ties and the default: newest first, then by mailbox and the later UID first, so the order is
        // total, stable, and within one mailbox the same as the store's arrival index.
        Comparator<Candidate> tail = Comparator.comparing((Candidate x) -> x.summary.internalDate()).reversed()
                .thenComparingLong(x -> x.mailboxId).thenComparing(Comparator.comparingLong((Candidate x) -> x.summary.uid()).reversed());
        return order == null ? tail : order.thenComparing(tail);
    }

    /** RFC 5256 base subject, roughly: without "Re:", "Fwd:" and list tags, lower-cased. */
    static String baseSubject(String s) {
        String prev;
        String out = s.strip();
        do {
            prev = out;
            out = out.replaceFirst("(?i)^(re|fwd?|aw|wg)\\s*(\\[\\d+\\])?\\s*:\\s*", "").replaceFirst("^\\[[^]]*\\]\\s*", "").strip();
        } while (!out.equals(prev));
        return out.toLowerCase(Locale.ROOT);
    }

    /** The ids of every Email matching, in order. */
    List<String> run(Reach reach, ObjectNode args, Call call) {
        long account = reach.accountId();
        Predicate<Candidate> filter = filter(args.get("filter"), call);
        Comparator<Candidate> sort = sort(args.get("sort"));
        List<Mailbox> boxes = reach.mailboxes().stream().filter(b -> reach.readable(b.id())).toList();
        JsonNode in = args.path("filter").path("inMailbox");
        if (in.isTextual()) {
            long id = Ids.mailbox(call.resolve(in.asText())).orElse(-1L);
            boxes = boxes.stream().filter(b -> b.id() == id).toList();
        }
        List<Candidate> hits = new ArrayList<>();
        for (Mailbox b : boxes) {
            for (MessageSummary s : mail.store().messages(account, b.id())) {
                Candidate c = new Candidate(account, b.id(), reach.asSeen(b.id(), s));
                if (filter.test(c)) hits.add(c);
            }
        }
        hits.sort(sort);
        if (Standard.bool(args, "collapseThreads")) {
            Set<String> seen = new HashSet<>();
            hits.removeIf(c -> !seen.add(Ids.threadOf(c.mailboxId, c.summary)));
        }
        return hits.stream().map(c -> c.ref().emailId()).toList();
    }

    private ObjectNode query(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        String state = mail.emailState(reach);
        var fast = newestInMailbox(reach, args, call, state);
        if (fast != null) return fast;
        List<String> ids = run(reach, args, call);
        return Standard.window(args, ids, call.jmapAccountId(), state, true, Integer.MAX_VALUE);
    }

    /** Rows read at a time when collapsing threads from the arrival index. */
    private static final int PAGE = 256;

    /**
     * The common query, answered from the store's arrival index: the filter is only inMailbox, the
     * sort receivedAt descending (or none, which is the same order), and the window a position and
     * limit. Reads the page asked for (with collapseThreads, until that many threads are found), not
     * the mailbox. Null when the query is not of this shape.
     */
    private ObjectNode newestInMailbox(Reach reach, ObjectNode args, Call call, String state) {
        long account = reach.accountId();
        JsonNode filter = args.get("filter");
        if (filter == null || !filter.isObject() || filter.size() != 1 || !filter.path("inMailbox").isTextual()) return null;
        JsonNode sort = args.get("sort");
        if (sort != null && !sort.isNull()) {
            if (!sort.isArray() || sort.size() != 1) return null;
            JsonNode s = sort.get(0);
            if (!s.path("property").asText().equals("receivedAt") || s.path("isAscending").asBoolean(true) || s.size() > 3) return null;
            if (s.has("collation") && !s.get("collation").isTextual()) return null;
        }
        if (args.hasNonNull("anchor")) return null;
        JsonNode positionNode = args.get("position");
        if (positionNode != null && !positionNode.isNull() && (!positionNode.isIntegralNumber() || positionNode.asLong() < 0)) return null;
        long position = positionNode == null || positionNode.isNull() ? 0 : positionNode.asLong();
        JsonNode limitNode = args.get("limit");
        if (limitNode != null && !limitNode.isNull() && (!limitNode.isIntegralNumber() || limitNode.asLong() < 0)) return null;
        int limit = limitNode == null || limitNode.isNull() ? Integer.MAX_VALUE : (int) Math.min(limitNode.asLong(), Integer.MAX_VALUE);
        boolean collapse = Standard.bool(args, "collapseThreads");
        boolean total = Standard.bool(args, "calculateTotal");

        long mailboxId = Ids.mailbox(call.resolve(filter.get("inMailbox").asText())).orElse(-1L);
        boolean exists = reach.readable(mailboxId); // a mailbox the login may not read is empty for it
        List<String> ids = new ArrayList<>();
        long count = 0;
        if (exists && !collapse) {
            for (var m : mail.store().newestFirst(account, mailboxId, position, limit)) ids.add(Ids.ref(m.mailboxId(), m.uid()).emailId());
            if (total) count = mail.store().status(account, mailboxId).messages();
        } else if (exists) {
            Set<Long> threads = new HashSet<>();
            long threadsSeen = 0;
            for (long offset = 0; ; offset += PAGE) {
                var page = mail.store().newestFirst(account, mailboxId, offset, PAGE);
                for (var m : page) {
                    if (!threads.add(m.threadId())) continue;
                    if (threadsSeen >= position && ids.size() < limit) ids.add(Ids.ref(m.mailboxId(), m.uid()).emailId());
                    threadsSeen++;
                }
                if (page.size() < PAGE || (!total && ids.size() >= limit)) break;
            }
            count = threadsSeen;
        }
        if (total && !exists) count = 0;
        ObjectNode r = Json.object().put("accountId", call.jmapAccountId()).put("queryState", state)
                .put("canCalculateChanges", true).put("position", total ? Math.min(position, count) : position);
        r.set("ids", Json.array(ids));
        if (total) r.put("total", count);
        return r;
    }

    /**
     * RFC 8620 section 5.6 from the change log: every Email changed since the old state is reported
     * removed (it may have moved in the order) and, where it is now in the results, added at its
     * index. Emails that did not change keep their relative order, so this is exact for the client.
     */
    private ObjectNode queryChanges(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        String since = Standard.required(args, "sinceQueryState");
        var delta = emails.delta(reach, States.parse(since), Standard.maxChanges(args));
        if (delta.more()) throw new MethodError("tooManyChanges", "more changes than maxChanges");
        List<String> ids = run(reach, args, call);
        Set<String> changed = new HashSet<>();
        List<String> removed = new ArrayList<>();
        for (var set : List.of(delta.updated(), delta.destroyed())) for (Ids.Ref r : set) removed.add(r.emailId());
        delta.created().forEach(r -> changed.add(r.emailId()));
        delta.updated().forEach(r -> changed.add(r.emailId()));
        String upTo = Standard.text(args, "upToId");
        ArrayNode added = Json.array();
        for (int i = 0; i < ids.size(); i++) {
            if (changed.contains(ids.get(i))) added.add(Json.object().put("id", ids.get(i)).put("index", i));
            if (ids.get(i).equals(upTo)) break;
        }
        ObjectNode r = Json.object().put("accountId", call.jmapAccountId()).put("oldQueryState", since)
                .put("newQueryState", mail.emailState(reach));
        r.set("removed", Json.array(removed));
        r.set("added", added);
        if (Standard.bool(args, "calculateTotal")) r.put("total", ids.size());
        return r;
    }

    private ObjectNode snippets(ObjectNode args, Call call) {
        Reach reach = mail.reach(call);
        long account = reach.accountId();
        List<String> ids = Standard.ids(args, "emailIds", mail.limits().maxObjectsInGet());
        if (ids == null) throw MethodError.invalidArguments("emailIds is required");
        List<String> terms = new ArrayList<>();
        terms(args.get("filter"), terms);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        for (String id : ids) {
            var ref = Ids.parse(id, 'e').filter(r -> reach.readable(r.mailboxId()));
            var found = ref.flatMap(r -> mail.store().messages(account, r.mailboxId(), List.of(r.uid())).stream().findFirst());
            if (found.isEmpty()) {
                notFound.add(id);
                continue;
            }
            Candidate c = new Candidate(account, ref.get().mailboxId(), found.get());
            list.add(Json.object().put("emailId", id).put("subject", mark(c.header("Subject", "asText"), terms, false))
                    .put("preview", mark(c.bodyText(), terms, true)));
        }
        ObjectNode r = Json.object().put("accountId", call.jmapAccountId());
        r.set("list", list);
        r.set("notFound", notFound.isEmpty() ? null : Json.array(notFound));
        return r;
    }

    private static void terms(JsonNode f, List<String> out) {
        if (f == null || !f.isObject()) return;
        for (String k : List.of("text", "subject", "body")) if (f.path(k).isTextual()) out.add(f.get(k).asText());
        for (JsonNode c : f.path("conditions")) terms(c, out);
    }

    /** The text, HTML-escaped, with each search term in {@code <mark>}; for a preview, the part around the first hit. */
    static String mark(String text, List<String> terms, boolean excerpt) {
        if (terms.isEmpty()) return null;
        String lower = text.toLowerCase(Locale.ROOT);
        int first = terms.stream().mapToInt(t -> lower.indexOf(t.toLowerCase(Locale.ROOT))).filter(i -> i >= 0).min().orElse(-1);
        if (first < 0) return null;
        String part = text;
        if (excerpt) {
            int from = Math.max(0, first - 60);
            part = text.substring(from, Math.min(text.length(), from + 255)).replaceAll("\\s+", " ");
        }
        String escaped = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        for (String t : terms) {
            String e = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
            escaped = escaped.replaceAll("(?i)(" + java.util.regex.Pattern.quote(e) + ")", "<mark>$1</mark>");
        }
        return escaped;
    }
}
