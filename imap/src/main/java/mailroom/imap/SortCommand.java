package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.storage.MessageSummary;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** SORT and THREAD (RFC 5256): ordering by header-derived keys, and conversations by REFERENCES or ORDEREDSUBJECT. */
final class SortCommand {
    private SortCommand() {}

    /** One message with the keys sorting and threading need, read once. */
    private record Item(long number, SearchCommand.Candidate candidate) {
        String header(String name) {
            return candidate.header(name);
        }

        /** The sent date (Date header), or the internal date when there is none (RFC 5256 section 2.2). */
        Instant date() {
            Instant sent = candidate.sent();
            return sent != null ? sent : candidate.message.internalDate();
        }
    }

    private static List<Item> matching(ImapSession s, ImapParser args, boolean uid) throws ImapException {
        String charset = args.astring().toUpperCase(Locale.ROOT);
        if (!charset.equals("UTF-8") && !charset.equals("US-ASCII")) throw new ImapException.No("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
        args.sp();
        Predicate<SearchCommand.Candidate> criteria = SearchCommand.criteria(s, args);
        args.end();
        List<Item> items = new ArrayList<>();
        s.selected.catchUp(s.server.storage.mail()); // sorted as of now, and the read after the command is spared
        for (MessageSummary m : s.selected.summaries(s.server.storage.mail(), s.selected.liveUids())) {
            long u = m.uid();
            int seq = s.selected.seqOf(u);
            var candidate = new SearchCommand.Candidate(s, m, seq);
            if (criteria.test(candidate)) items.add(new Item(uid ? u : seq, candidate));
        }
        return items;
    }

    static String sort(ImapSession s, ImapParser args, boolean uid) throws ImapException, IOException {
        args.expect('(');
        Comparator<Item> order = null;
        do {
            String key = args.atom().toUpperCase(Locale.ROOT);
            boolean reverse = key.equals("REVERSE");
            if (reverse) {
                args.sp();
                key = args.atom().toUpperCase(Locale.ROOT);
            }
            Comparator<Item> next = switch (key) {
                case "ARRIVAL" -> Comparator.comparing(i -> i.candidate.message.internalDate());
                case "DATE" -> Comparator.comparing(Item::date);
                case "SIZE" -> Comparator.comparingLong(i -> i.candidate.message.size());
                case "SUBJECT" -> Comparator.comparing(i -> baseSubject(i.header("subject")));
                case "FROM", "TO", "CC" -> {
                    String field = key.toLowerCase(Locale.ROOT);
                    yield Comparator.comparing(i -> firstMailbox(i.header(field)));
                }
                default -> throw new ImapException.Bad("Unknown sort key " + key);
            };
            if (reverse) next = next.reversed();
            order = order == null ? next : order.thenComparing(next);
        } while (args.tryConsume(' '));
        args.expect(')');
        args.sp();
        List<Item> items = matching(s, args, uid);
        items.sort(order.thenComparingLong(Item::number)); // ties keep message order (RFC 5256 section 3)
        StringBuilder line = new StringBuilder("SORT");
        for (Item i : items) line.append(' ').append(i.number);
        s.untagged(line.toString());
        return (uid ? "UID SORT" : "SORT") + " completed";
    }

    /** The mailbox (local part) of the first address, upper-cased for i;ascii-casemap, "" when there is none (RFC 5256 section 3). */
    private static String firstMailbox(String header) {
        if (header == null) return "";
        var list = org.apache.james.mime4j.field.address.LenientAddressParser.DEFAULT.parseAddressList(header);
        if (list.isEmpty()) return "";
        // The first address of the list; a group counts by its name, as its ENVELOPE entry does.
        String first = list.get(0) instanceof org.apache.james.mime4j.dom.address.Mailbox m ? m.getLocalPart()
                : ((org.apache.james.mime4j.dom.address.Group) list.get(0)).getName();
        return first == null ? "" : first.toUpperCase(Locale.ROOT);
    }

    private static final Pattern TRAILER = Pattern.compile("(?i)(\\s|\\(fwd\\))+$");
    private static final Pattern LEADER = Pattern.compile("(?i)^\\s*((\\[[^\\[\\]]*\\]\\s*)*(re|fwd?)\\s*(\\[[^\\[\\]]*\\])?\\s*:|\\[[^\\[\\]]*\\](?=\\s*\\S))\\s*");
    private static final Pattern FWD_WRAP = Pattern.compile("(?i)^\\[fwd:(.*)\\]$");

    /** RFC 5256 section 2.1: the subject without "Re:", "Fwd:", "[list]" leaders and "(fwd)" trailers. */
    static String baseSubject(String subject) {
        if (subject == null) return "";
        String s = subject.replaceAll("\\s+", " ").strip();
        while (true) {
            String before = s;
            s = TRAILER.matcher(s).replaceAll("");
            Matcher leader;
            while ((leader = LEADER.matcher(s)).find() && leader.end() < s.length()) s = s.substring(leader.end());
            Matcher wrap = FWD_WRAP.matcher(s);
            if (wrap.matches()) s = wrap.group(1).strip();
            if (s.equals(before)) return s.toUpperCase(Locale.ROOT); // i;ascii-casemap compares upper-cased
        }
    }

    private static boolean isReplyOrForward(String subject) {
        return subject != null && !baseSubject(subject).equals(subject.replaceAll("\\s+", " ").strip().toUpperCase(Locale.ROOT));
    }

    /** A node of a thread: a message, or a dummy for a referenced message we do not have. */
    private static final class Node {
        Item item;
        Node parent;
        final List<Node> children = new ArrayList<>();

        Instant date() {
            return item != null ? item.date() : children.stream().map(Node::date).min(Comparator.naturalOrder()).orElse(Instant.EPOCH);
        }

        boolean isAncestorOf(Node other) {
            for (Node n = other; n != null; n = n.parent) if (n == this) return true;
            return false;
        }

        void adopt(Node child) {
            if (child.parent != null) child.parent.children.remove(child);
            child.parent = this;
            children.add(child);
        }
    }

    static String thread(ImapSession s, ImapParser args, boolean uid) throws ImapException, IOException {
        String algorithm = args.atom().toUpperCase(Locale.ROOT);
        args.sp();
        List<Item> items = matching(s, args, uid);
        List<Node> roots = switch (algorithm) {
            case "ORDEREDSUBJECT" -> orderedSubject(items);
            case "REFERENCES" -> references(items);
            default -> throw new ImapException.Bad("Unknown threading algorithm " + algorithm);
        };
        StringBuilder line = new StringBuilder("THREAD ");
        for (Node root : roots) line.append('(').append(render(root)).append(')');
        s.untagged(line.toString().stripTrailing());
        return (uid ? "UID THREAD" : "THREAD") + " completed";
    }

    /** Messages grouped by base subject; the first of each group is the parent of the others. */
    private static List<Node> orderedSubject(List<Item> items) {
        Map<String, Node> bySubject = new LinkedHashMap<>();
        items.stream().sorted(Comparator.comparing((Item i) -> baseSubject(i.header("subject"))).thenComparing(Item::date).thenComparingLong(Item::number))
                .forEach(i -> {
                    Node node = new Node();
                    node.item = i;
                    Node first = bySubject.putIfAbsent(baseSubject(i.header("subject")), node);
                    if (first != null) first.adopt(node);
                });
        List<Node> roots = new ArrayList<>(bySubject.values());
        roots.sort(Comparator.comparing(Node::date).thenComparingLong(n -> n.item.number));
        return roots;
    }

    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>]+>");

    private static List<String> ids(String header) {
        List<String> ids = new ArrayList<>();
        if (header == null) return ids;
        Matcher m = MESSAGE_ID.matcher(header);
        while (m.find()) ids.add(m.group());
        return ids;
    }

    /** RFC 5256 section 2.2, REFERENCES: link by Message-ID, References and In-Reply-To, then by subject. */
    private static List<Node> references(List<Item> items) {
        Map<String, Node> byId = new HashMap<>();
        for (Item item : items) {
            List<String> own = ids(item.header("message-id"));
            String id = own.isEmpty() || (byId.containsKey(own.get(0)) && byId.get(own.get(0)).item != null)
                    ? "<unique-" + item.number + "@mailroom>" : own.get(0);
            Node node = byId.computeIfAbsent(id, k -> new Node());
            node.item = item;
            List<String> refs = ids(item.header("references"));
            if (refs.isEmpty()) refs = ids(item.header("in-reply-to")).stream().limit(1).toList();
            Node previous = null;
            for (String ref : refs) {
                Node r = byId.computeIfAbsent(ref, k -> new Node());
                if (previous != null && r.parent == null && !r.isAncestorOf(previous) && r != previous) previous.adopt(r);
                previous = r;
            }
            // RFC 5256 step 1C: drop any parent the message had, then hang it under its last reference unless that loops.
            if (node.parent != null) {
                node.parent.children.remove(node);
                node.parent = null;
            }
            if (previous != null && previous != node && !node.isAncestorOf(previous)) previous.adopt(node);
        }
        List<Node> roots = new ArrayList<>();
        for (Node n : byId.values()) if (n.parent == null) roots.add(n);
        roots = prune(roots, true);
        // Group threads whose roots share a base subject: replies join the original (RFC 5256 step 5).
        Map<String, Node> bySubject = new LinkedHashMap<>();
        List<Node> grouped = new ArrayList<>();
        roots.sort(Comparator.comparing(Node::date));
        for (Node root : roots) {
            String subject = root.item != null ? root.item.header("subject") : root.children.get(0).item == null ? null : root.children.get(0).item.header("subject");
            String base = baseSubject(subject);
            Node first = base.isEmpty() ? null : bySubject.get(base);
            if (first != null && first.item != null && root.item != null && isReplyOrForward(subject)) {
                first.adopt(root);
            } else {
                if (!base.isEmpty()) bySubject.putIfAbsent(base, root);
                grouped.add(root);
            }
        }
        sortTree(grouped);
        return grouped;
    }

    /** Drops empty dummies and promotes the children of dummies, except a root dummy with several children. */
    private static List<Node> prune(List<Node> nodes, boolean atRoot) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            List<Node> kids = prune(new ArrayList<>(n.children), false);
            n.children.clear();
            kids.forEach(k -> k.parent = n);
            n.children.addAll(kids);
            if (n.item == null && (n.children.isEmpty() || !atRoot || n.children.size() == 1)) {
                for (Node k : n.children) k.parent = atRoot ? null : n.parent;
                out.addAll(n.children);
            } else {
                out.add(n);
            }
        }
        return out;
    }

    private static void sortTree(List<Node> nodes) {
        nodes.sort(Comparator.comparing(Node::date).thenComparingLong(n -> n.item != null ? n.item.number : Long.MAX_VALUE));
        for (Node n : nodes) sortTree(n.children);
    }

    /** "3 6 (4 23)(44 7 96)": a message, then its single reply inline or each reply in parentheses. */
    private static String render(Node node) {
        StringBuilder sb = new StringBuilder();
        Node current = node;
        while (true) {
            if (current.item != null) sb.append(sb.isEmpty() ? "" : " ").append(current.item.number);
            if (current.children.size() == 1 && current.item != null) {
                current = current.children.get(0);
                continue;
            }
            if (!current.children.isEmpty() && !sb.isEmpty()) sb.append(' ');
            for (Node child : current.children) sb.append('(').append(render(child)).append(')');
            return sb.toString();
        }
    }
}
