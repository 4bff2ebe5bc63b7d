package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.core.mail.MailboxNames;
import mailroom.storage.Mailbox;
import mailroom.storage.sharing.Rights;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * LIST (RFC 3501 section 6.3.8) with LIST-EXTENDED (RFC 5258), CHILDREN, SPECIAL-USE (RFC 6154) and
 * LIST-STATUS (RFC 5819), and LSUB. Mailboxes that only exist as the parent of others are listed
 * as \NonExistent (\Noselect) when a "%" pattern reaches them.
 */
final class ListCommand {
    private ListCommand() {}

    private record Options(boolean subscribedOnly, boolean recursiveMatch, boolean specialUseOnly,
                           boolean returnSubscribed, List<String> returnStatus) {}

    static void list(ImapSession s, ImapParser args, boolean lsub) throws ImapException, IOException {
        boolean subscribedOnly = lsub, recursive = false, specialOnly = false, returnSubscribed = false;
        List<String> returnStatus = null;
        if (!lsub && args.tryConsume('(')) { // selection options
            while (!args.tryConsume(')')) {
                args.tryConsume(' ');
                switch (args.atom().toUpperCase(Locale.ROOT)) {
                    case "SUBSCRIBED" -> subscribedOnly = true;
                    case "RECURSIVEMATCH" -> recursive = true;
                    case "SPECIAL-USE" -> specialOnly = true;
                    case "REMOTE" -> { /* no remote mailboxes here */ }
                    default -> throw new ImapException.Bad("Unknown LIST selection option");
                }
            }
            if (recursive && !subscribedOnly) throw new ImapException.Bad("RECURSIVEMATCH needs another selection option");
            args.sp();
        }
        String reference = s.mailboxNameRaw(args.astring());
        args.sp();
        List<String> patterns = new ArrayList<>();
        if (!lsub && args.tryConsume('(')) {
            do patterns.add(s.mailboxNameRaw(args.listMailbox())); while (args.tryConsume(' '));
            args.expect(')');
        } else {
            patterns.add(s.mailboxNameRaw(args.listMailbox()));
        }
        if (!lsub && args.tryConsume(' ')) {
            if (!args.atom().equalsIgnoreCase("RETURN")) throw new ImapException.Bad("Expected RETURN");
            args.sp();
            args.expect('(');
            while (!args.tryConsume(')')) {
                args.tryConsume(' ');
                switch (args.atom().toUpperCase(Locale.ROOT)) {
                    case "SUBSCRIBED" -> returnSubscribed = true;
                    case "CHILDREN", "SPECIAL-USE" -> { /* always returned */ }
                    case "STATUS" -> {
                        args.sp();
                        args.expect('(');
                        returnStatus = new ArrayList<>();
                        do returnStatus.add(args.atom().toUpperCase(Locale.ROOT)); while (args.tryConsume(' '));
                        args.expect(')');
                    }
                    default -> throw new ImapException.Bad("Unknown LIST return option");
                }
            }
        }
        args.end();
        var options = new Options(subscribedOnly, recursive, specialOnly, returnSubscribed, returnStatus);
        String verb = lsub ? "LSUB" : "LIST";

        if (patterns.size() == 1 && patterns.get(0).isEmpty()) { // the hierarchy delimiter query
            s.untagged(verb + " (\\Noselect) \"/\" \"\"");
            return;
        }
        Map<String, Mailbox> mailboxes = new LinkedHashMap<>();
        for (Mailbox m : s.server.storage.mail().mailboxes(s.account.id())) mailboxes.put(m.name(), m);
        // Other accounts' mailboxes the session may see ("l"), under "Other Users/" and "Shared/" (RFC 2342, RFC 4314).
        for (var view : Places.shared(s).visible(s.account)) mailboxes.put(view.name(), view.mailbox());
        Set<String> subscribed = MailboxCommands.subscriptions(s);

        // Every name that exists, is subscribed, or is the parent of one of those.
        TreeSet<String> names = new TreeSet<>(Comparator.comparing((String n) -> !n.equals(Mailbox.INBOX)).thenComparing(n -> n));
        names.addAll(mailboxes.keySet());
        names.addAll(subscribed);
        for (String n : List.copyOf(names)) for (String p = MailboxNames.parent(n); p != null; p = MailboxNames.parent(p)) names.add(p);

        for (String name : names) {
            if (patterns.stream().noneMatch(p -> MailboxNames.matches(MailboxNames.canonical(reference + p), name))) continue;
            Mailbox mailbox = mailboxes.get(name);
            boolean isSubscribed = subscribed.contains(name);
            boolean childSubscribed = subscribed.stream().anyMatch(n -> n.startsWith(name + "/"));
            boolean hasChildren = mailboxes.keySet().stream().anyMatch(n -> n.startsWith(name + "/"));
            boolean childListed = subscribed.stream().anyMatch(n -> n.startsWith(name + "/")
                    && patterns.stream().anyMatch(p -> MailboxNames.matches(MailboxNames.canonical(reference + p), n)));
            // RFC 5258 section 4: RECURSIVEMATCH names a parent for a subscribed descendant the patterns do not list themselves.
            boolean childUnlisted = subscribed.stream().anyMatch(n -> n.startsWith(name + "/")
                    && patterns.stream().noneMatch(p -> MailboxNames.matches(MailboxNames.canonical(reference + p), n)));
            if (options.subscribedOnly() && !isSubscribed && !(options.recursiveMatch() && childUnlisted)) {
                // LSUB shows an unsubscribed parent of subscribed mailboxes as \Noselect when "%" stops at it.
                if (!(lsub && childSubscribed && !childListed)) continue;
            }
            if (options.specialUseOnly() && (mailbox == null || mailbox.specialUse() == null)) continue;
            if (!lsub && !options.subscribedOnly() && mailbox == null && !hasChildren) continue;

            List<String> attributes = new ArrayList<>();
            if (mailbox == null) attributes.add(lsub || options.subscribedOnly() && !isSubscribed ? "\\Noselect" : "\\NonExistent");
            if (!lsub) attributes.add(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
            if (lsub && !isSubscribed && !attributes.contains("\\Noselect")) attributes.add("\\Noselect");
            if (!lsub && (options.subscribedOnly() || options.returnSubscribed()) && isSubscribed) attributes.add("\\Subscribed");
            if (mailbox != null && mailbox.specialUse() != null && !lsub) attributes.add(mailbox.specialUse());
            String extended = options.recursiveMatch() && !isSubscribed && childUnlisted ? " (\"CHILDINFO\" (\"SUBSCRIBED\"))" : "";
            s.untagged(verb + " (" + String.join(" ", attributes) + ") \"/\" " + s.wireName(name) + extended);
            if (options.returnStatus() != null && mailbox != null) {
                var place = mailbox.accountId() == s.account.id() ? Optional.of(new Places.Place(name, s.account, mailbox, Rights.ALL, false)) : Places.find(s, name);
                if (place.isPresent() && place.get().rights().has('r')) { // STATUS needs "r" (RFC 4314 section 4)
                    s.untagged("STATUS " + s.wireName(name) + " " + MailboxCommands.statusItems(s, place.get(), options.returnStatus()));
                }
            }
        }
    }
}
