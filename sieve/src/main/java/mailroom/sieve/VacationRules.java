package mailroom.sieve;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * When an automatic answer may be sent at all (RFC 5230 section 4.5 and 4.6, RFC 3834 section 2):
 * never to the null sender or to mailer daemons and list owners, never to mail that is itself
 * automatic or from a list, never to ourselves, and only for mail addressed to us.
 */
final class VacationRules {
    private static final List<String> LIST_FIELDS = List.of("List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe",
            "List-Post", "List-Owner", "List-Archive");
    private static final List<String> RECIPIENT_FIELDS = List.of("To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc");

    private VacationRules() {}

    /** The address to answer, or empty when no answer may go out. */
    static Optional<String> replyTo(MessageView m, Envelope envelope, Set<String> own, List<String> extraAddresses) {
        String sender = envelope.from();
        if (sender.isEmpty() || !sender.contains("@")) return Optional.empty();
        String senderLocal = sender.substring(0, sender.lastIndexOf('@')).toLowerCase(Locale.ROOT);
        if (senderLocal.equals("mailer-daemon") || senderLocal.equals("listserv") || senderLocal.equals("majordomo")
                || senderLocal.startsWith("owner-") || senderLocal.endsWith("-request")) return Optional.empty();
        for (String value : m.header("Auto-Submitted")) if (!value.strip().toLowerCase(Locale.ROOT).startsWith("no")) return Optional.empty();
        for (String value : m.header("Precedence")) {
            String p = value.strip().toLowerCase(Locale.ROOT);
            if (p.equals("bulk") || p.equals("list") || p.equals("junk")) return Optional.empty();
        }
        for (String field : LIST_FIELDS) if (!m.header(field).isEmpty()) return Optional.empty();
        Set<String> ours = new HashSet<>();
        own.forEach(a -> ours.add(a.toLowerCase(Locale.ROOT)));
        extraAddresses.forEach(a -> ours.add(a.toLowerCase(Locale.ROOT)));
        ours.add(envelope.to().toLowerCase(Locale.ROOT));
        ours.add(envelope.originalTo().toLowerCase(Locale.ROOT));
        if (ours.contains(sender.toLowerCase(Locale.ROOT))) return Optional.empty();
        for (String field : RECIPIENT_FIELDS)
            for (List<String> addresses : m.addresses(field))
                for (String a : addresses) if (ours.contains(a.toLowerCase(Locale.ROOT))) return Optional.of(sender);
        return Optional.empty();
    }
}
