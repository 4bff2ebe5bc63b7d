package mailroom.imap;

import mailroom.core.mime.MessageParser;
import mailroom.core.mime.MessageText;
import mailroom.core.mime.ParsedMessage;
import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.SequenceSet;
import mailroom.storage.MailStore;
import mailroom.storage.MessageSummary;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.field.DateTimeField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.stream.RawField;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * SEARCH and UID SEARCH (RFC 3501 section 6.4.4) with ESEARCH result options (RFC 4731) and the
 * MODSEQ key (RFC 7162). Keys become a predicate over one message; the message text is read and
 * decoded only when a text key needs it. Text keys ask the full-text index first
 * ({@link mailroom.storage.MailStore#textMatches}), and when the keys that must all match include
 * one, only the messages the index allows are looked at.
 */
final class SearchCommand {
    private SearchCommand() {}

    /** What a key can look at: the summary, and lazily the parse and the decoded text. */
    static final class Candidate {
        final ImapSession session;
        final MessageSummary message;
        final int seq;
        private ParsedMessage parsed;
        private byte[] bytes;
        private Map<String, String> header;
        private String body;

        Candidate(ImapSession session, MessageSummary message, int seq) {
            this.session = session;
            this.message = message;
            this.seq = seq;
        }

        /** Another session expunged the message after this search read the summaries: it matches nothing. */
        static final class Gone extends RuntimeException {
            Gone() {
                super(null, null, false, false);
            }
        }

        private ParsedMessage parsed() {
            if (parsed == null) {
                var mailbox = session.selected.mailbox; // its owner's, for a shared mailbox
                parsed = session.server.storage.mail().structure(mailbox.accountId(), mailbox.id(), message).orElseThrow(Gone::new);
            }
            return parsed;
        }

        private byte[] bytes() {
            if (bytes == null) {
                try {
                    bytes = session.server.storage.blobs().read(message.blobId());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return bytes;
        }

        /** A header field's value, encoded words decoded; null when absent. Only the header is read. */
        String header(String name) {
            if (header == null) {
                int end = (int) parsed().root().bodyStart();
                if (bytes != null) {
                    header = MessageParser.headerFields(bytes, 0, end); // the body was read already
                } else {
                    try (var in = session.server.storage.blobs().open(message.blobId(), 0, end)) {
                        header = MessageParser.headerFields(in.readAllBytes(), 0, end);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
            return MessageText.field(header, name);
        }

        /** Every value of a header field (Received, X-Extra... may repeat), encoded words decoded. */
        List<String> headerValues(String name) {
            List<String> values = new ArrayList<>();
            String lower = name.toLowerCase(Locale.ROOT) + ":";
            String current = null;
            for (String line : wholeHeaderRaw().split("\r?\n")) {
                if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                    if (current != null) current += line;
                    continue;
                }
                if (current != null) values.add(DecoderUtil.decodeEncodedWords(current.strip(), DecodeMonitor.SILENT));
                current = line.toLowerCase(Locale.ROOT).startsWith(lower) ? line.substring(lower.length()) : null;
            }
            if (current != null) values.add(DecoderUtil.decodeEncodedWords(current.strip(), DecodeMonitor.SILENT));
            return values;
        }

        /** An address field normalised: "name <local@domain>" for each address, comments and routes dropped. */
        String addresses(String field) {
            return MessageText.addresses(header(field));
        }

        private String wholeHeaderRaw() {
            return new String(bytes(), 0, (int) parsed().root().bodyStart(), StandardCharsets.UTF_8);
        }

        String wholeHeader() {
            return MessageText.wholeHeader(bytes(), parsed().root().bodyStart());
        }

        /** The text of every text/* part, transfer-encoding and charset undone. */
        String body() {
            if (body == null) body = MessageText.body(bytes(), parsed().root());
            return body;
        }

        private java.time.Instant sent;
        private boolean sentParsed;

        /** The Date header's time, or null when it is missing or unreadable. Parsed once. */
        java.time.Instant sent() {
            if (!sentParsed) {
                sentParsed = true;
                String date = header("date");
                if (date != null) {
                    var field = (DateTimeField) LenientFieldParser.getParser().parse(new RawField("Date", date), DecodeMonitor.SILENT);
                    if (field.getDate() != null) sent = field.getDate().toInstant();
                }
            }
            return sent;
        }

        private static final java.util.regex.Pattern DATE_PART = java.util.regex.Pattern.compile(
                "(\\d{1,2})\\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\s+(\\d{2,4})", java.util.regex.Pattern.CASE_INSENSITIVE);

        /** The day the Date header names, in its own time zone ("disregarding time and timezone", RFC 3501 6.4.4). */
        LocalDate sentDate() {
            String date = header("date");
            if (date == null) return null;
            var m = DATE_PART.matcher(date);
            if (!m.find()) return null;
            int year = Integer.parseInt(m.group(3));
            if (year < 100) year += year < 50 ? 2000 : 1900; // RFC 5322 section 4.3 two-digit years
            int month = "janfebmaraprmayjunjulaugsepoctnovdec".indexOf(m.group(2).toLowerCase(Locale.ROOT)) / 3 + 1;
            try {
                return LocalDate.of(year, month, Integer.parseInt(m.group(1)));
            } catch (java.time.DateTimeException e) {
                return null;
            }
        }

        LocalDate internalDate() {
            return message.internalDate().atZone(ZoneOffset.UTC).toLocalDate();
        }
    }

    static String search(ImapSession s, String tag, ImapParser args, boolean uid) throws ImapException, IOException {
        // New mail and flag changes are announced first, so the result covers every message the client
        // knows of when it reads the tagged OK (imaptest's checker expects as much). EXISTS and FETCH may
        // be sent at any time; EXPUNGE not during a SEARCH, only during a UID SEARCH (RFC 3501 section 7.4.1).
        s.reportChanges(uid);
        if (s.selected == null) throw new ImapException.No("NONEXISTENT", "The selected mailbox is gone");
        List<String> returns = null;
        boolean save = false;
        int mark = args.mark();
        if (Character.isLetter(args.peek()) && args.itemName().equals("RETURN")) {
            args.sp();
            args.expect('(');
            returns = new ArrayList<>();
            while (!args.tryConsume(')')) {
                args.tryConsume(' ');
                String option = args.atom().toUpperCase(Locale.ROOT);
                if (!List.of("MIN", "MAX", "COUNT", "ALL", "SAVE").contains(option)) throw new ImapException.Bad("Unknown RETURN option " + option);
                returns.add(option);
            }
            if (returns.isEmpty()) returns.add("ALL");
            save = returns.remove("SAVE");
            args.sp();
        } else {
            args.reset(mark);
        }
        mark = args.mark();
        if (args.peek() != '(' && !args.atSequenceSet() && args.itemName().equals("CHARSET")) {
            args.sp();
            String charset = args.astring().toUpperCase(Locale.ROOT);
            if (!charset.equals("UTF-8") && !charset.equals("US-ASCII")) throw new ImapException.No("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
            args.sp();
        } else {
            args.reset(mark);
        }
        var query = new Query(s);
        Predicate<Candidate> key = keys(query, args);
        args.end();
        if (returns == null && s.imap4rev2()) returns = List.of("ALL");

        List<Long> hits = new ArrayList<>(), modseqs = new ArrayList<>();
        long highestModseq = 0;
        s.selected.catchUp(s.server.storage.mail()); // searched as of now, and the read after the command is spared
        List<Long> wanted = s.selected.liveUids();
        if (key instanceof Narrowing n) {
            Set<Long> possible = n.possible();
            if (possible != null) wanted = wanted.stream().filter(possible::contains).toList();
        }
        List<MessageSummary> candidates = s.selected.summaries(s.server.storage.mail(), wanted);
        // Messages the client still sees that another session expunged cannot be searched: the OK says so
        // (RFC 5530 EXPUNGEISSUED), so a client does not take their absence for a non-match.
        boolean expungeIssued = s.selected.expungePending() || candidates.size() < wanted.size();
        String completed = (expungeIssued ? "[EXPUNGEISSUED] " : "") + (uid ? "UID SEARCH" : "SEARCH") + " completed";
        for (MessageSummary m : candidates) {
            long u = m.uid();
            int seq = s.selected.seqOf(u);
            boolean hit;
            try {
                hit = key.test(new Candidate(s, m, seq));
            } catch (Candidate.Gone e) {
                hit = false;
            }
            if (hit) {
                hits.add(uid ? u : seq);
                modseqs.add(m.modseq());
                highestModseq = Math.max(highestModseq, m.modseq());
            }
        }
        if (save) { // RFC 5182: remember the result (as UIDs) for "$"; with only SAVE, no ESEARCH response
            List<Long> saved = new ArrayList<>();
            for (long hit : hits) saved.add(uid ? hit : s.selected.uidAt((int) hit));
            boolean onlyExtremes = !returns.contains("ALL") && !returns.contains("COUNT") && (returns.contains("MIN") || returns.contains("MAX"));
            if (onlyExtremes && !saved.isEmpty()) {
                List<Long> extremes = new ArrayList<>();
                if (returns.contains("MIN")) extremes.add(saved.get(0));
                if (returns.contains("MAX") && (saved.size() > 1 || extremes.isEmpty())) extremes.add(saved.get(saved.size() - 1));
                saved = extremes;
            }
            s.selected.saveSearch(saved);
            if (returns.isEmpty()) return completed;
        }
        // RFC 7162 section 3.1.5: a search with MODSEQ reports the highest MODSEQ of what it returns;
        // with ESEARCH RETURN (MIN) or (MAX) alone, that is the MODSEQ of that one message (RFC 4731).
        if (returns != null && !returns.contains("ALL") && !returns.contains("COUNT") && !hits.isEmpty()) {
            highestModseq = 0;
            if (returns.contains("MIN")) highestModseq = Math.max(highestModseq, modseqs.get(0));
            if (returns.contains("MAX")) highestModseq = Math.max(highestModseq, modseqs.get(modseqs.size() - 1));
        }
        String modseq = query.usesModseq && !hits.isEmpty() ? " (MODSEQ " + highestModseq + ")" : "";
        if (returns == null) {
            StringBuilder line = new StringBuilder("SEARCH");
            for (long hit : hits) line.append(' ').append(hit);
            s.untagged(line + modseq);
        } else {
            StringBuilder line = new StringBuilder("ESEARCH (TAG \"" + tag + "\")");
            if (uid) line.append(" UID");
            if (!hits.isEmpty()) {
                if (returns.contains("MIN")) line.append(" MIN ").append(hits.get(0));
                if (returns.contains("MAX")) line.append(" MAX ").append(hits.get(hits.size() - 1));
                if (returns.contains("ALL")) line.append(" ALL ").append(SequenceSet.compact(hits));
            }
            if (returns.contains("COUNT")) line.append(" COUNT ").append(hits.size());
            if (!modseq.isEmpty()) line.append(" MODSEQ ").append(highestModseq);
            s.untagged(line.toString());
        }
        return completed;
    }

    /** Search criteria for SORT and THREAD (RFC 5256), which share SEARCH's keys. */
    static Predicate<Candidate> criteria(ImapSession s, ImapParser args) throws ImapException.Bad {
        return keys(new Query(s), args);
    }

    /** The search being parsed: its session, and whether a MODSEQ key was used (the result then reports one). */
    private static final class Query {
        final ImapSession session;
        boolean usesModseq;

        Query(ImapSession session) {
            this.session = session;
        }
    }

    /** One or more keys separated by spaces: all must match. */
    private static Predicate<Candidate> keys(Query q, ImapParser args) throws ImapException.Bad {
        List<Predicate<Candidate>> all = new ArrayList<>();
        all.add(key(q, args));
        while (args.peek() == ' ') {
            int mark = args.mark();
            args.sp();
            if (args.peek() == ')') {
                args.reset(mark);
                break;
            }
            all.add(key(q, args));
        }
        return all.size() == 1 ? all.get(0) : new AllOf(all);
    }

    // --- The full-text index: text keys ask it first, and the search reads only what they may match ---

    /** A key that can name, from the full-text index, a set of UIDs it matches at most; null when it cannot. */
    private interface Narrowing {
        Set<Long> possible();
    }

    /**
     * SUBJECT, FROM, TO, CC, BCC, BODY or TEXT. The index answers once per search; a message it is
     * unsure about (not caught up yet, indexed in part), or every message when it cannot look the
     * string up (shorter than its trigrams), is checked by reading it, as without an index.
     */
    private static final class TextKey implements Predicate<Candidate>, Narrowing {
        private final ImapSession session;
        private final MailStore.TextField field;
        private final String text;
        private final Predicate<Candidate> scan;
        private Optional<MailStore.TextMatches> matches;

        TextKey(ImapSession session, MailStore.TextField field, String text, Predicate<Candidate> scan) {
            this.session = session;
            this.field = field;
            this.text = text;
            this.scan = scan;
        }

        private Optional<MailStore.TextMatches> matches() {
            if (matches == null) {
                var box = session.selected.mailbox;
                matches = session.server.storage.mail().textMatches(box.accountId(), box.id(), field, text);
            }
            return matches;
        }

        @Override
        public Set<Long> possible() {
            return matches().map(m -> {
                Set<Long> all = new HashSet<>(m.matching());
                all.addAll(m.unsure());
                return all;
            }).orElse(null);
        }

        @Override
        public boolean test(Candidate c) {
            if (matches().isEmpty()) return scan.test(c);
            var m = matches().get();
            long uid = c.message.uid();
            if (m.matching().contains(uid)) return true;
            return m.unsure().contains(uid) && scan.test(c);
        }
    }

    /** Keys that must all match: the index narrows to what every narrowing key allows. */
    private record AllOf(List<Predicate<Candidate>> keys) implements Predicate<Candidate>, Narrowing {
        @Override
        public boolean test(Candidate c) {
            for (var key : keys) if (!key.test(c)) return false;
            return true;
        }

        @Override
        public Set<Long> possible() {
            Set<Long> possible = null;
            for (var key : keys) {
                if (!(key instanceof Narrowing n)) continue;
                Set<Long> p = n.possible();
                if (p == null) continue;
                if (possible == null) possible = new HashSet<>(p);
                else possible.retainAll(p);
            }
            return possible;
        }
    }

    /** OR: narrows only when both sides do. */
    private record AnyOf(Predicate<Candidate> left, Predicate<Candidate> right) implements Predicate<Candidate>, Narrowing {
        @Override
        public boolean test(Candidate c) {
            return left.test(c) || right.test(c);
        }

        @Override
        public Set<Long> possible() {
            if (!(left instanceof Narrowing l) || !(right instanceof Narrowing r)) return null;
            Set<Long> a = l.possible();
            if (a == null) return null;
            Set<Long> b = r.possible();
            if (b == null) return null;
            Set<Long> union = new HashSet<>(a);
            union.addAll(b);
            return union;
        }
    }

    /** SEARCH's comparison: case-insensitive substring, as the full-text index folds (MessageText.fold). */
    private static boolean contains(String haystack, String needle) {
        return haystack != null && MessageText.fold(haystack).contains(MessageText.fold(needle));
    }

    private static Predicate<Candidate> flag(String flag, boolean set) {
        return c -> c.message.flags().stream().anyMatch(f -> f.equalsIgnoreCase(flag)) == set;
    }

    private static Predicate<Candidate> key(Query q, ImapParser args) throws ImapException.Bad {
        ImapSession s = q.session;
        if (args.tryConsume('(')) {
            Predicate<Candidate> inner = keys(q, args);
            args.expect(')');
            return inner;
        }
        if (args.atSequenceSet()) {
            SequenceSet set = args.sequenceSet();
            if (set.saved()) return c -> s.selected.savedSearch().contains(c.message.uid());
            return c -> set.contains(c.seq, s.selected.exists());
        }
        String name = args.atom().toUpperCase(Locale.ROOT);
        return switch (name) {
            case "ALL" -> c -> true;
            case "ANSWERED" -> flag("\\Answered", true);
            case "DELETED" -> flag("\\Deleted", true);
            case "DRAFT" -> flag("\\Draft", true);
            case "FLAGGED" -> flag("\\Flagged", true);
            case "SEEN" -> flag("\\Seen", true);
            case "UNANSWERED" -> flag("\\Answered", false);
            case "UNDELETED" -> flag("\\Deleted", false);
            case "UNDRAFT" -> flag("\\Draft", false);
            case "UNFLAGGED" -> flag("\\Flagged", false);
            case "UNSEEN" -> flag("\\Seen", false);
            case "RECENT" -> c -> s.selected.isRecent(c.message.uid());
            case "OLD" -> c -> !s.selected.isRecent(c.message.uid());
            case "NEW" -> c -> s.selected.isRecent(c.message.uid()) && !c.message.flags().contains("\\Seen");
            case "KEYWORD" -> flag(argument(args, ImapParser::atom), true);
            case "UNKEYWORD" -> flag(argument(args, ImapParser::atom), false);
            case "SUBJECT" -> {
                String text = argument(args, ImapParser::astring);
                yield new TextKey(s, MailStore.TextField.SUBJECT, text, c -> contains(c.header("subject"), text));
            }
            case "BCC", "CC", "FROM", "TO" -> {
                String text = argument(args, ImapParser::astring);
                yield new TextKey(s, MailStore.TextField.valueOf(name), text, c -> contains(c.addresses(name), text) || contains(c.header(name), text));
            }
            case "HEADER" -> {
                String field = argument(args, ImapParser::astring);
                String text = argument(args, ImapParser::astring);
                yield c -> c.headerValues(field).stream().anyMatch(v -> text.isEmpty() || contains(v, text));
            }
            case "BODY" -> {
                String text = argument(args, ImapParser::astring);
                yield new TextKey(s, MailStore.TextField.BODY, text, c -> contains(c.body(), text));
            }
            case "TEXT" -> {
                String text = argument(args, ImapParser::astring);
                yield new TextKey(s, MailStore.TextField.TEXT, text, c -> contains(c.wholeHeader(), text) || contains(c.body(), text));
            }
            case "BEFORE" -> date(args, (d, c) -> c.internalDate().isBefore(d));
            case "ON" -> date(args, (d, c) -> c.internalDate().isEqual(d));
            case "SINCE" -> date(args, (d, c) -> !c.internalDate().isBefore(d));
            case "SENTBEFORE" -> date(args, (d, c) -> c.sentDate() != null && c.sentDate().isBefore(d));
            case "SENTON" -> date(args, (d, c) -> c.sentDate() != null && c.sentDate().isEqual(d));
            case "SENTSINCE" -> date(args, (d, c) -> c.sentDate() != null && !c.sentDate().isBefore(d));
            case "LARGER" -> {
                long n = argument(args, ImapParser::number);
                yield c -> c.message.size() > n;
            }
            case "SMALLER" -> {
                long n = argument(args, ImapParser::number);
                yield c -> c.message.size() < n;
            }
            case "UID" -> {
                SequenceSet set = argument(args, ImapParser::sequenceSet);
                if (set.saved()) yield c -> s.selected.savedSearch().contains(c.message.uid());
                yield c -> set.contains(c.message.uid(), s.selected.maxUid());
            }
            case "EMAILID" -> {
                String id = argument(args, ImapParser::astring);
                yield c -> FetchCommand.emailId(c.message).equals(id);
            }
            case "THREADID" -> {
                argument(args, ImapParser::astring);
                yield c -> false; // no message has a THREADID here
            }
            case "NOT" -> argument(args, p -> key(q, p)).negate();
            case "OR" -> {
                Predicate<Candidate> left = argument(args, p -> key(q, p));
                Predicate<Candidate> right = argument(args, p -> key(q, p));
                yield new AnyOf(left, right);
            }
            case "MODSEQ" -> {
                args.sp();
                if (args.peek() == '"') { // optional entry name and type (RFC 7162), ignored: one MODSEQ per message
                    args.string();
                    args.sp();
                    args.atom();
                    args.sp();
                }
                long n = args.number();
                s.enableCondstore();
                q.usesModseq = true;
                yield c -> c.message.modseq() >= n;
            }
            default -> throw new ImapException.Bad("Unknown search key " + name);
        };
    }

    private interface Reader<T> {
        T read(ImapParser args) throws ImapException.Bad;
    }

    private static <T> T argument(ImapParser args, Reader<T> reader) throws ImapException.Bad {
        args.sp();
        return reader.read(args);
    }

    private interface DateTest {
        boolean test(LocalDate date, Candidate c);
    }

    private static Predicate<Candidate> date(ImapParser args, DateTest test) throws ImapException.Bad {
        LocalDate date = argument(args, ImapParser::date);
        return c -> test.test(date, c);
    }
}
