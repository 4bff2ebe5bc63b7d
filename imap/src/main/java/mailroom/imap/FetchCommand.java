package mailroom.imap;

import mailroom.core.mime.MimePart;
import mailroom.core.mime.ParsedMessage;
import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.SequenceSet;
import mailroom.storage.MailStore;
import mailroom.storage.MessageSummary;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * FETCH and UID FETCH (RFC 3501 section 6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ). Answers from
 * the stored parse and streams bodies as byte ranges of the message file.
 */
final class FetchCommand {
    private static final DateTimeFormatter INTERNALDATE = DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private FetchCommand() {}

    /** One requested data item. */
    sealed interface Item permits Simple, Section {}

    enum Simple implements Item { FLAGS, UID, INTERNALDATE, RFC822_SIZE, ENVELOPE, BODYSTRUCTURE, BODY, MODSEQ, EMAILID, THREADID }

    /** OBJECTID (RFC 8474): a message's id is its content's, so a copy or a move keeps it. */
    static String emailId(MessageSummary m) {
        return "M" + m.blobId().substring(0, 24);
    }

    /**
     * BODY[...], BINARY[...], BINARY.SIZE[...], and the RFC822 forms.
     *
     * @param label  how the item is named in the response, e.g. "BODY[1.MIME]" or "RFC822.HEADER"
     * @param text   "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT" or "MIME"
     * @param offset partial fetch origin, or -1
     */
    record Section(String kind, boolean peek, int[] parts, String text, List<String> fields, long offset, long length, String label)
            implements Item {
        boolean setsSeen() {
            return !peek && !kind.equals("BINARY.SIZE");
        }
    }

    static String fetch(ImapSession s, ImapParser args, boolean uid) throws ImapException, IOException {
        SequenceSet set = args.sequenceSet();
        args.sp();
        List<Item> items = items(args);
        long changedSince = -1;
        boolean vanished = false;
        if (args.tryConsume(' ')) { // RFC 7162 fetch modifiers
            args.expect('(');
            do {
                String modifier = args.atom().toUpperCase(Locale.ROOT);
                if (modifier.equals("CHANGEDSINCE")) {
                    args.sp();
                    changedSince = args.number();
                } else if (modifier.equals("VANISHED")) {
                    vanished = true;
                } else {
                    throw new ImapException.Bad("Unknown FETCH modifier " + modifier);
                }
            } while (args.tryConsume(' '));
            args.expect(')');
            s.enableCondstore();
        }
        args.end();
        if (vanished && (!uid || changedSince < 0 || !s.enabled.contains("QRESYNC"))) {
            throw new ImapException.Bad("VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC");
        }
        if (vanished) Qresync.vanishedSince(s, changedSince, set);
        if (uid && !items.contains(Simple.UID)) items.add(0, Simple.UID);
        if (items.contains(Simple.MODSEQ)) s.enableCondstore();
        if ((changedSince >= 0 || s.condstore()) && items.stream().anyMatch(i -> i == Simple.FLAGS) && !items.contains(Simple.MODSEQ)) {
            items.add(Simple.MODSEQ);
        }
        List<Long> uids = MessageCommands.resolve(s.selected, set, uid);
        MailStore store = s.server.storage.mail();
        s.selected.catchUp(store); // the answer is as of now, and the read after the command is spared
        // A FETCH of flags alone (a client resynchronising) is answered from memory.
        boolean flagsOnly = items.stream().allMatch(i -> i == Simple.FLAGS || i == Simple.UID || i == Simple.MODSEQ);
        List<MessageSummary> messages = flagsOnly ? s.selected.flagSummaries(store, uids) : markSeen(s, items, s.selected.summaries(store, uids));
        var renderer = new BodyRenderer(s.utf8());
        boolean withFlags = items.contains(Simple.FLAGS);
        if (withFlags) for (String line : s.selected.announceFlags(messages)) s.untagged(line);
        for (MessageSummary m : messages) {
            if (changedSince >= 0 && m.modseq() <= changedSince) continue;
            writeResponse(s, m, items, renderer);
            if (withFlags) s.selected.told(m);
        }
        return (uid ? "UID FETCH" : "FETCH") + " completed";
    }

    /**
     * Non-PEEK body fetches set \Seen on a read-write mailbox; the response then carries FLAGS.
     * Returns the messages with their flags as they are afterwards.
     */
    private static List<MessageSummary> markSeen(ImapSession s, List<Item> items, List<MessageSummary> messages) {
        if (s.selected.readOnly || items.stream().noneMatch(i -> i instanceof Section sec && sec.setsSeen())) return messages;
        if (!s.selected.place.rights().has('s')) return messages; // reading without "s" leaves \Seen alone (RFC 4314 section 4)
        List<Long> unseen = messages.stream().filter(m -> !m.flags().contains("\\Seen")).map(MessageSummary::uid).toList();
        if (unseen.isEmpty()) return messages;
        MailStore store = s.server.storage.mail();
        try {
            FlagWrites.apply(s, unseen, MailStore.FlagChange.ADD, Set.of("\\Seen"), -1);
        } catch (ImapException.No cannot) {
            throw new IllegalStateException(cannot); // "s" was checked above
        }
        if (!items.contains(Simple.FLAGS)) items.add(Simple.FLAGS);
        s.selected.catchUp(store); // the write is in the log now, with the flags it left
        return s.selected.summaries(store, messages.stream().map(MessageSummary::uid).toList());
    }

    // --- parsing -------------------------------------------------------------------------------

    private static List<Item> items(ImapParser args) throws ImapException.Bad {
        List<Item> items = new ArrayList<>();
        if (args.tryConsume('(')) {
            do items.add(item(args)); while (args.tryConsume(' '));
            args.expect(')');
            return items;
        }
        int mark = args.mark();
        String name = args.itemName();
        switch (name) { // the macros (RFC 3501 section 6.4.5)
            case "ALL" -> items.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE));
            case "FAST" -> items.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE));
            case "FULL" -> items.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE, Simple.BODY));
            default -> {
                args.reset(mark);
                items.add(item(args));
            }
        }
        return items;
    }

    private static Item item(ImapParser args) throws ImapException.Bad {
        String name = args.itemName();
        return switch (name) {
            case "FLAGS" -> Simple.FLAGS;
            case "UID" -> Simple.UID;
            case "INTERNALDATE" -> Simple.INTERNALDATE;
            case "RFC822.SIZE" -> Simple.RFC822_SIZE;
            case "ENVELOPE" -> Simple.ENVELOPE;
            case "BODYSTRUCTURE" -> Simple.BODYSTRUCTURE;
            case "MODSEQ" -> Simple.MODSEQ;
            case "EMAILID" -> Simple.EMAILID;
            case "THREADID" -> Simple.THREADID;
            case "RFC822" -> new Section("BODY", false, new int[0], "", List.of(), -1, -1, "RFC822");
            case "RFC822.HEADER" -> new Section("BODY", true, new int[0], "HEADER", List.of(), -1, -1, "RFC822.HEADER");
            case "RFC822.TEXT" -> new Section("BODY", false, new int[0], "TEXT", List.of(), -1, -1, "RFC822.TEXT");
            case "BODY" -> args.peek() == '[' ? section(args, "BODY", false) : Simple.BODY;
            case "BODY.PEEK" -> section(args, "BODY", true);
            case "BINARY" -> section(args, "BINARY", false);
            case "BINARY.PEEK" -> section(args, "BINARY", true);
            case "BINARY.SIZE" -> section(args, "BINARY.SIZE", true);
            default -> throw new ImapException.Bad("Unknown FETCH item " + name);
        };
    }

    /** "[" section "]" ["<" offset "." length ">"] */
    private static Section section(ImapParser args, String kind, boolean peek) throws ImapException.Bad {
        args.expect('[');
        List<Integer> parts = new ArrayList<>();
        String text = "";
        List<String> fields = List.of();
        while (args.peek() >= '1' && args.peek() <= '9') {
            parts.add((int) args.number());
            if (!args.tryConsume('.')) break;
        }
        if (args.peek() != ']') {
            text = args.itemName();
            if (!List.of("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME").contains(text)
                    || (text.equals("MIME") && parts.isEmpty()) || kind.startsWith("BINARY")) {
                throw new ImapException.Bad("Invalid section " + text);
            }
            if (text.startsWith("HEADER.FIELDS")) {
                args.sp();
                args.expect('(');
                fields = new ArrayList<>();
                do fields.add(args.astring().toUpperCase(Locale.ROOT)); while (args.tryConsume(' '));
                args.expect(')');
            }
        }
        args.expect(']');
        long offset = -1, length = -1;
        if (args.tryConsume('<')) {
            offset = args.number();
            args.expect('.');
            length = args.number();
            if (length == 0) throw new ImapException.Bad("Partial length must be positive");
            args.expect('>');
        }
        StringBuilder label = new StringBuilder(kind).append('[');
        for (int i = 0; i < parts.size(); i++) label.append(i > 0 ? "." : "").append(parts.get(i));
        if (!text.isEmpty()) label.append(parts.isEmpty() ? "" : ".").append(text);
        if (!fields.isEmpty()) label.append(" (").append(String.join(" ", fields)).append(')');
        label.append(']');
        if (offset >= 0) label.append('<').append(offset).append('>');
        return new Section(kind, peek, parts.stream().mapToInt(Integer::intValue).toArray(), text, fields, offset, length, label.toString());
    }

    // --- answering ------------------------------------------------------------------------------

    private static final Set<String> DECODED_AS_IS = Set.of("7bit", "8bit", "binary");
    private static final Set<String> DECODABLE = Set.of("7bit", "8bit", "binary", "base64", "quoted-printable");

    private static void writeResponse(ImapSession s, MessageSummary m, List<Item> items, BodyRenderer renderer) throws ImapException, IOException {
        ParsedMessage parsed = null;
        // Refusals must come before the response line starts: BINARY of an encoding we cannot undo (RFC 3516).
        for (Item item : items) {
            if (item instanceof Section section && section.kind().startsWith("BINARY")) {
                parsed = parsed != null ? parsed : parse(s, m);
                MimePart part = section.parts().length == 0 ? parsed.root() : part(parsed, section.parts());
                if (part != null && !part.isMultipart() && !DECODABLE.contains(part.encoding())) {
                    throw new ImapException.No("UNKNOWN-CTE", "Unknown content-transfer-encoding " + part.encoding());
                }
            }
        }
        // The simple items are gathered into one line; a section's bytes go out after what precedes them.
        var out = s.connection;
        var line = new StringBuilder(96).append("* ").append(s.selected.seqOf(m.uid())).append(" FETCH (");
        boolean first = true;
        for (Item item : items) {
            if (!first) line.append(' ');
            first = false;
            if (item instanceof Simple simple) {
                switch (simple) {
                    case FLAGS -> s.selected.appendFlagList(line.append("FLAGS "), m, s);
                    case UID -> line.append("UID ").append(m.uid());
                    case INTERNALDATE -> line.append("INTERNALDATE \"").append(INTERNALDATE.format(m.internalDate())).append('"');
                    case RFC822_SIZE -> line.append("RFC822.SIZE ").append(m.size());
                    case MODSEQ -> line.append("MODSEQ (").append(m.modseq()).append(')');
                    case EMAILID -> line.append("EMAILID (").append(emailId(m)).append(')');
                    case THREADID -> line.append("THREADID NIL"); // threads are not tracked as objects (RFC 8474 allows NIL)
                    case ENVELOPE -> {
                        parsed = parsed != null ? parsed : parse(s, m);
                        line.append("ENVELOPE ").append(renderer.envelope(parsed.envelope()));
                    }
                    case BODYSTRUCTURE -> {
                        parsed = parsed != null ? parsed : parse(s, m);
                        line.append("BODYSTRUCTURE ").append(renderer.body(parsed.root(), true));
                    }
                    case BODY -> {
                        parsed = parsed != null ? parsed : parse(s, m);
                        line.append("BODY ").append(renderer.body(parsed.root(), false));
                    }
                }
            } else if (item instanceof Section section) {
                if (section.parts().length > 0 || !section.text().isEmpty() || section.kind().startsWith("BINARY")) {
                    parsed = parsed != null ? parsed : parse(s, m);
                }
                out.write(line.toString());
                line.setLength(0);
                writeSection(s, m, parsed, section);
            }
        }
        out.write(line.append(")\r\n").toString());
    }

    /**
     * The message's parsed structure, as stored. One that another session expunged after this FETCH
     * read its messages is parsed again from its file, which outlives its last reference by an hour:
     * the client cannot be told of the expunge during a FETCH (RFC 3501 section 7.4.1), so it gets
     * the message as it was (RFC 2180 section 4.1.1) rather than a NO after part of the answer.
     */
    private static ParsedMessage parse(ImapSession s, MessageSummary m) throws ImapException.No {
        var stored = s.server.storage.mail().structure(s.selected.mailbox.accountId(), s.selected.mailbox.id(), m);
        if (stored.isPresent()) return stored.get();
        try {
            return mailroom.core.mime.MessageParser.parse(s.server.storage.blobs().read(m.blobId()));
        } catch (IOException gone) {
            throw new ImapException.No("EXPUNGEISSUED", "Message was expunged");
        }
    }

    private static void writeSection(ImapSession s, MessageSummary m, ParsedMessage parsed, Section section) throws ImapException, IOException {
        var blobs = s.server.storage.blobs();
        if (section.kind().equals("BODY") && (section.text().isEmpty() || section.text().equals("TEXT") || section.text().equals("MIME")
                || section.text().equals("HEADER"))) {
            long[] range = parsed == null ? new long[]{0, m.size()} : range(parsed, section);
            if (range == null) {
                s.connection.write(section.label() + " NIL");
                return;
            }
            long start = range[0], end = range[1];
            if (section.offset() >= 0) {
                start = Math.min(end, start + section.offset());
                end = Math.min(end, start + section.length());
            }
            s.connection.write(section.label() + " {" + (end - start) + "}\r\n");
            try (InputStream in = blobs.open(m.blobId(), start, end - start)) {
                in.transferTo(s.connection.output());
            }
            return;
        }
        byte[] bytes;
        if (section.kind().equals("BODY")) { // HEADER.FIELDS[.NOT]
            long[] range = range(parsed, section);
            if (range == null) {
                s.connection.write(section.label() + " NIL");
                return;
            }
            try (InputStream in = blobs.open(m.blobId(), range[0], range[1] - range[0])) {
                bytes = filterHeader(in.readAllBytes(), section.fields(), section.text().endsWith(".NOT"));
            }
        } else {
            bytes = decoded(s, m, parsed, section);
            if (bytes == null) {
                s.connection.write(section.label() + " NIL");
                return;
            }
            if (section.kind().equals("BINARY.SIZE")) {
                s.connection.write(section.label() + " " + bytes.length);
                return;
            }
        }
        if (section.offset() >= 0) {
            int from = (int) Math.min(bytes.length, section.offset());
            bytes = Arrays.copyOfRange(bytes, from, (int) Math.min(bytes.length, from + section.length()));
        }
        boolean hasNul = section.kind().equals("BINARY") && new String(bytes, StandardCharsets.ISO_8859_1).indexOf('\0') >= 0;
        s.connection.write(section.label() + " " + (hasNul ? "~" : "") + "{" + bytes.length + "}\r\n");
        s.connection.write(bytes, 0, bytes.length);
    }

    /** The part a section's numbers name (RFC 3501 section 6.4.5, "BODY[<section>]"); null when there is none. */
    static MimePart part(ParsedMessage parsed, int[] numbers) {
        MimePart part = parsed.root();
        for (int i = 0; i < numbers.length; i++) {
            if (i > 0 && part.isMessage()) part = part.message(); // numbers after a message/rfc822 index into it
            if (part.isMultipart()) {
                if (numbers[i] > part.parts().size()) return null;
                part = part.parts().get(numbers[i] - 1);
            } else if (numbers[i] != 1) {
                return null;
            }
        }
        return part;
    }

    /**
     * Start and end offsets in the message file of the section (without partial), or null when the
     * message has no such section: the item is then answered NIL, as Dovecot and Cyrus do.
     */
    private static long[] range(ParsedMessage parsed, Section section) {
        MimePart part = part(parsed, section.parts());
        if (part == null) return null;
        if (section.text().equals("MIME")) return new long[]{part.headerStart(), part.bodyStart()};
        if (section.text().isEmpty()) {
            return section.parts().length == 0 ? new long[]{0, parsed.size()} : new long[]{part.bodyStart(), part.bodyEnd()};
        }
        // HEADER, HEADER.FIELDS, TEXT: of the message itself, or of an enclosed message/rfc822.
        MimePart message = section.parts().length == 0 ? parsed.root() : part.isMessage() ? part.message() : null;
        if (message == null) return null;
        return section.text().equals("TEXT") ? new long[]{message.bodyStart(), message.bodyEnd()}
                : new long[]{message.headerStart(), message.bodyStart()};
    }

    /**
     * The header fields named (or, with {@code not}, all others), folded lines kept, and the blank
     * line after. A scan of the bytes line by line: clients ask for a few fields of every message
     * they list, so this runs for most FETCHes.
     */
    static byte[] filterHeader(byte[] header, List<String> names, boolean not) {
        var out = new ByteArrayOutputStream(Math.min(header.length, 1024) + 2);
        boolean keep = false;
        for (int start = 0, end; start < header.length; start = end) {
            int newline = indexOf(header, (byte) '\n', start, header.length);
            end = newline < 0 ? header.length : newline + 1;
            if (newline == start || newline == start + 1 && header[start] == '\r') break; // the blank line ends the header
            if (header[start] != ' ' && header[start] != '\t') { // a field's first line, not a continuation
                int colon = indexOf(header, (byte) ':', start, end);
                String name = colon > start ? new String(header, start, colon - start, StandardCharsets.ISO_8859_1).strip().toUpperCase(Locale.ROOT) : "";
                keep = names.contains(name) != not;
            }
            if (keep) out.write(header, start, end - start);
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte b, int from, int to) {
        for (int i = from; i < to; i++) if (bytes[i] == b) return i;
        return -1;
    }

    /** BINARY: the part's body with its content-transfer-encoding undone (RFC 3516); null when there is no such part. */
    private static byte[] decoded(ImapSession s, MessageSummary m, ParsedMessage parsed, Section section) throws IOException {
        if (section.parts().length == 0 && (parsed.root().isMultipart() || DECODED_AS_IS.contains(parsed.root().encoding()))) {
            return s.server.storage.blobs().read(m.blobId()); // BINARY[]: the whole message, nothing to undo
        }
        MimePart part = section.parts().length == 0 ? parsed.root() : part(parsed, section.parts());
        if (part == null || part.isMultipart()) return null;
        byte[] raw;
        try (InputStream in = s.server.storage.blobs().open(m.blobId(), part.bodyStart(), part.bodySize())) {
            raw = in.readAllBytes();
        }
        InputStream decoder = switch (part.encoding()) {
            case "7bit", "8bit", "binary" -> new ByteArrayInputStream(raw);
            case "base64" -> new Base64InputStream(new ByteArrayInputStream(raw));
            case "quoted-printable" -> new QuotedPrintableInputStream(new ByteArrayInputStream(raw));
            default -> throw new IllegalStateException("checked before the response started");
        };
        try (decoder) {
            return decoder.readAllBytes();
        }
    }

}
