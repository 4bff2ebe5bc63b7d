package mailroom.imap;

import mailroom.core.mime.MessageParser;
import mailroom.imap.codec.ImapParser;
import mailroom.imap.codec.ImapWriter;
import mailroom.core.mail.MailboxNames;
import mailroom.storage.Delivery;
import mailroom.storage.Directory;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.sharing.SharedMailboxes;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/** Commands on mailboxes as a whole (RFC 3501 section 6.3): select, create, delete, rename, list, status, append. */
final class MailboxCommands {
    static final List<String> SYSTEM_FLAGS = List.of("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft");

    private MailboxCommands() {}

    private static MailStore store(ImapSession s) {
        return s.server.storage.mail();
    }

    private static long account(ImapSession s) {
        return s.account.id();
    }

    static String select(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        return open(s, args, false);
    }

    static String examine(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        return open(s, args, true);
    }

    /** SELECT and EXAMINE (sections 6.3.1 and 6.3.2): a failed SELECT leaves no mailbox selected. */
    private static String open(ImapSession s, ImapParser args, boolean readOnly) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        Qresync qresync = null;
        if (args.tryConsume(' ')) { // select parameters (RFC 7162)
            args.expect('(');
            do {
                String param = args.atom().toUpperCase(Locale.ROOT);
                if (param.equals("CONDSTORE")) {
                    s.enabled.add("CONDSTORE");
                } else if (param.equals("QRESYNC")) {
                    if (!s.enabled.contains("QRESYNC")) throw new ImapException.Bad("ENABLE QRESYNC first");
                    args.sp();
                    qresync = Qresync.parse(args);
                } else {
                    throw new ImapException.Bad("Unknown SELECT parameter " + param);
                }
            } while (args.tryConsume(' '));
            args.expect(')');
        }
        args.end();
        if (s.selected != null) {
            s.unselect();
            if (s.imap4rev2() || s.condstore()) s.untagged("OK [CLOSED] Previous mailbox closed");
        }
        Places.Place place = Places.existing(s, name, "r");
        Mailbox mailbox = place.mailbox();
        var rights = place.rights();
        // With none of the rights to change anything, a SELECT is an EXAMINE (RFC 4314 section 4).
        readOnly |= !(rights.has('s') || rights.has('w') || rights.has('t') || rights.has('e'));
        Set<String> flags = new LinkedHashSet<>(SYSTEM_FLAGS);
        MailStore.Listing[] listed = new MailStore.Listing[1];
        var selected = new SelectedMailbox(store(s), s.server.storage.events(), s.server.facts, place, readOnly,
                () -> s.server.storage.sharing().seenBy(mailbox.accountId(), mailbox.id(), s.account.id()), listing -> {
            flags.addAll(listing.flagsInUse());
            listed[0] = listing;
        });
        s.select(selected); // the session owns it now, and lets it go whatever happens next
        long firstUnseenUid = selected.firstUnseenUid(listed[0]);
        int firstUnseen = firstUnseenUid == 0 ? 0 : selected.seqOf(firstUnseenUid);
        s.untagged("FLAGS " + ImapWriter.list(flags));
        List<String> permanent = new ArrayList<>(flags.stream().filter(f -> FlagWrites.mayChange(rights, f)).toList());
        if (rights.has('w')) permanent.add("\\*");
        s.untagged("OK [PERMANENTFLAGS " + (readOnly ? "()" : ImapWriter.list(permanent)) + "] Flags permitted");
        s.untagged(selected.exists() + " EXISTS");
        if (!s.imap4rev2()) {
            s.untagged(selected.recent() + " RECENT");
            if (firstUnseen > 0) s.untagged("OK [UNSEEN " + firstUnseen + "] First unseen");
        }
        s.untagged("OK [UIDVALIDITY " + mailbox.uidValidity() + "] UIDs valid");
        s.untagged("OK [UIDNEXT " + selected.uidNext() + "] Predicted next UID");
        s.untagged("OK [MAILBOXID (" + mailboxId(mailbox) + ")] Ok");
        if (s.condstore()) s.untagged("OK [HIGHESTMODSEQ " + selected.highestModseq() + "] Highest");
        if (qresync != null && qresync.uidValidity() == mailbox.uidValidity()) qresync.resync(s);
        return (readOnly ? "[READ-ONLY] EXAMINE" : "[READ-WRITE] SELECT") + " completed";
    }

    /** CREATE (section 6.3.3): superior names are created as needed; a trailing delimiter is dropped. */
    static String create(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        while (name.endsWith("/")) name = name.substring(0, name.length() - 1);
        checkName(name);
        var target = creatable(s, name);
        long owner = target.owner().id();
        if (name.equals(Mailbox.INBOX) || store(s).mailbox(owner, target.ownerName()).isPresent()) {
            throw new ImapException.No("ALREADYEXISTS", "Mailbox already exists");
        }
        createWithParents(s, owner, target.ownerName());
        return store(s).mailbox(owner, target.ownerName()).map(m -> "[MAILBOXID (" + mailboxId(m) + ")] ").orElse("") + "CREATE completed";
    }

    /**
     * Where a new mailbox of that name would go: the session's own account, or below a shared
     * mailbox on which it holds "k" (RFC 4314 section 4); only an owner makes top-level mailboxes.
     */
    private static SharedMailboxes.Target creatable(ImapSession s, String name) throws ImapException.No {
        if (name.equals(SharedMailboxes.OTHER_USERS) || name.equals(SharedMailboxes.SHARED)) {
            throw new ImapException.No("CANNOT", "That name is a namespace of other accounts' mailboxes");
        }
        SharedMailboxes.Target target;
        try {
            target = Places.target(s, name);
        } catch (ImapException.No e) {
            throw new ImapException.No("CANNOT", "No such account to create a mailbox for");
        }
        if (!target.shared()) return target;
        String parent = MailboxNames.parent(target.ownerName());
        if (parent == null) throw new ImapException.No("NOPERM", "Only the owner creates mailboxes at the top of an account");
        Places.existing(s, target.readerName(parent), "k");
        return target;
    }

    private static void createWithParents(ImapSession s, long owner, String name) {
        String parent = MailboxNames.parent(name);
        if (parent != null && store(s).mailbox(owner, parent).isEmpty()) createWithParents(s, owner, parent);
        try {
            store(s).createMailbox(owner, name, null);
        } catch (Directory.AlreadyExists raced) {
            // made meanwhile by another session: just as good
        }
    }

    private static void checkName(String name) throws ImapException.No {
        if (name.isEmpty() || name.startsWith("/") || name.contains("//") || name.length() > 255
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '%' || c == '*')) {
            throw new ImapException.No("CANNOT", "Invalid mailbox name");
        }
    }

    /** DELETE (section 6.3.4): INBOX cannot be deleted; mailboxes below the deleted one stay. */
    static String delete(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        if (name.equals(Mailbox.INBOX)) throw new ImapException.No("CANNOT", "INBOX cannot be deleted");
        Mailbox mailbox = Places.existing(s, name, "x").mailbox();
        if (mailbox.name().equals(Mailbox.INBOX)) throw new ImapException.No("CANNOT", "An account's INBOX cannot be deleted");
        if (s.selected != null && s.selected.mailbox.id() == mailbox.id() && s.selected.mailbox.accountId() == mailbox.accountId()) s.unselect();
        store(s).deleteMailbox(mailbox.accountId(), mailbox.id());
        return "DELETE completed";
    }

    /** RENAME (section 6.3.5): renaming INBOX moves its messages to the new mailbox and leaves INBOX empty. */
    static String rename(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String from = s.mailboxName(args.astring());
        args.sp();
        String to = s.mailboxName(args.astring());
        args.end();
        while (to.endsWith("/")) to = to.substring(0, to.length() - 1);
        checkName(to);
        Places.Place place = Places.existing(s, from, "x");
        Mailbox source = place.mailbox();
        if (!place.own() && source.name().equals(Mailbox.INBOX)) throw new ImapException.No("CANNOT", "Another account's INBOX cannot be renamed");
        var target = creatable(s, to);
        long owner = source.accountId();
        if (target.owner().id() != owner) throw new ImapException.No("CANNOT", "A mailbox cannot be renamed into another account");
        if (to.equals(Mailbox.INBOX) || store(s).mailbox(owner, target.ownerName()).isPresent()) {
            throw new ImapException.No("ALREADYEXISTS", "Target mailbox already exists");
        }
        String parent = MailboxNames.parent(target.ownerName());
        if (parent != null && store(s).mailbox(owner, parent).isEmpty()) createWithParents(s, owner, parent);
        if (source.name().equals(Mailbox.INBOX)) {
            Mailbox moved = store(s).createMailbox(owner, target.ownerName(), null);
            var uids = store(s).messages(owner, source.id()).stream().map(MessageSummary::uid).toList();
            store(s).copy(owner, source.id(), uids, moved.id(), true);
        } else {
            store(s).renameMailbox(owner, source.name(), target.ownerName());
        }
        return "RENAME completed";
    }

    static String subscribe(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        Places.existing(s, name, "l");
        store(s).setSubscribed(account(s), name, true);
        return "SUBSCRIBE completed";
    }

    static String unsubscribe(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        store(s).setSubscribed(account(s), name, false);
        return "UNSUBSCRIBE completed";
    }

    static String list(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        ListCommand.list(s, args, false);
        return "LIST completed";
    }

    static String lsub(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        ListCommand.list(s, args, true);
        return "LSUB completed";
    }

    /** STATUS (section 6.3.10): counts of a mailbox without selecting it. */
    static String status(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.sp();
        List<String> items = new ArrayList<>();
        args.expect('(');
        do items.add(args.atom().toUpperCase(Locale.ROOT)); while (args.tryConsume(' '));
        args.expect(')');
        args.end();
        Places.Place place = Places.existing(s, name, "r");
        s.untagged("STATUS " + s.wireName(name) + " " + statusItems(s, place, items));
        return "STATUS completed";
    }

    /**
     * OBJECTID (RFC 8474): a mailbox's id survives renames and differs once a name is reused, which
     * UIDVALIDITY plus our internal id guarantee.
     */
    static String mailboxId(Mailbox mailbox) {
        return "F" + mailbox.uidValidity() + "-" + mailbox.id();
    }

    /** "(MESSAGES 3 UNSEEN 1 ...)" for STATUS and LIST-STATUS. */
    static String statusItems(ImapSession s, Places.Place place, List<String> items) throws ImapException.Bad {
        Mailbox mailbox = place.mailbox();
        MailStore.Status status = store(s).status(mailbox.accountId(), mailbox.id());
        if (place.seenPerReader()) { // the reader's own unread count
            long seen = s.server.storage.sharing().seenBy(mailbox.accountId(), mailbox.id(), s.account.id()).size();
            status = new MailStore.Status(status.messages(), status.messages() - seen, status.size(), status.firstUnseenUid(), status.recent());
        }
        Map<String, Long> values = new TreeMap<>();
        List<String> out = new ArrayList<>();
        for (String item : items) {
            if (item.equals("MAILBOXID")) {
                out.add("MAILBOXID (" + mailboxId(mailbox) + ")");
                continue;
            }
            long value = switch (item) {
                case "MESSAGES" -> status.messages();
                case "UNSEEN" -> status.unseen();
                case "RECENT" -> status.recent();
                case "UIDNEXT" -> mailbox.uidNext();
                case "UIDVALIDITY" -> mailbox.uidValidity();
                case "SIZE" -> status.size();
                case "HIGHESTMODSEQ" -> mailbox.highestModseq();
                default -> throw new ImapException.Bad("Unknown STATUS item " + item);
            };
            if (values.put(item, value) == null) out.add(item + " " + value);
        }
        return ImapWriter.list(out);
    }

    /** APPEND (section 6.3.11): files the literal as a new message; APPENDUID from UIDPLUS (RFC 4315). */
    static String append(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.sp();
        List<String> flags = List.of();
        if (args.peek() == '(') {
            flags = args.flagList();
            args.sp();
        }
        Instant internalDate = Instant.now();
        if (args.peek() == '"') {
            internalDate = args.dateTime().toInstant();
            args.sp();
        }
        byte[] message = args.stringBytes();
        args.end();
        Places.Place place = Places.find(s, name).orElseThrow(() -> new ImapException.No("TRYCREATE", "No such mailbox"));
        Places.require(place, "i");
        Mailbox mailbox = place.mailbox();
        if (message.length == 0) throw new ImapException.No("Cannot store an empty message");
        var parsed = MessageParser.parse(message);
        byte[] encoded = BinaryParts.encode(message, parsed.root());
        if (encoded != message) {
            message = encoded;
            parsed = MessageParser.parse(message);
        }
        QuotaCommands.require(s, mailbox.accountId(), message.length);
        String blob;
        try (var writer = s.server.storage.blobs().create()) {
            writer.stream().write(message);
            blob = writer.commit();
        }
        Set<String> keep = new LinkedHashSet<>();
        for (String flag : flags) {
            if (flag.startsWith("\\") && !MessageCommands.isSystemFlag(flag)) throw new ImapException.Bad("Unknown system flag " + flag);
            String canonical = MessageCommands.canonicalFlag(flag);
            // Flags the session may not set are dropped, not refused (RFC 4314 section 4).
            if (!flag.equalsIgnoreCase("\\Recent") && FlagWrites.mayChange(place.rights(), canonical)) keep.add(canonical);
        }
        boolean seenByReader = place.seenPerReader() && keep.remove("\\Seen");
        var filed = store(s).deliver(new Delivery(blob, internalDate, parsed),
                List.of(new Delivery.Target(mailbox.accountId(), mailbox.name(), keep))).get(0);
        if (seenByReader) s.server.storage.sharing().setSeenBy(mailbox.accountId(), mailbox.id(), s.account.id(), List.of(filed.uid()), true);
        return "[APPENDUID " + mailbox.uidValidity() + " " + filed.uid() + "] APPEND completed";
    }

    static SortedSet<String> subscriptions(ImapSession s) {
        return store(s).subscriptions(account(s));
    }
}
