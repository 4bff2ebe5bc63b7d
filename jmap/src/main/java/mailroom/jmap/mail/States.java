package mailroom.jmap.mail;

import mailroom.jmap.core.MethodError;
import mailroom.storage.Mailbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * State strings, all read from the account's change log (the MODSEQ shared with IMAP CONDSTORE).
 * The log records message changes but not mailbox creations, renames and deletions, and deleting
 * a mailbox drops its entries; so a state also carries the mailbox ids it saw (and, for
 * Mailbox, a digest of their names). From an old state we then know which mailboxes came and went,
 * and an Email state whose mailbox has gone answers cannotCalculateChanges rather than miss the
 * messages that went with it. Format: "{modseq}.{id_id_...}[.{digest}]".
 */
public record States(long modseq, long[] mailboxIds, String digest) {

    public static String email(long modseq, List<Mailbox> mailboxes) {
        return modseq + "." + ids(mailboxes);
    }

    public static String mailbox(long modseq, List<Mailbox> mailboxes) {
        return modseq + "." + ids(mailboxes) + "." + digest(mailboxes);
    }

    private static String ids(List<Mailbox> mailboxes) {
        return mailboxes.stream().mapToLong(Mailbox::id).sorted().mapToObj(Long::toString).collect(Collectors.joining("_"));
    }

    /** Changes of names, parents or roles: any of them makes every mailbox "updated". */
    static String digest(List<Mailbox> mailboxes) {
        String all = mailboxes.stream().sorted(java.util.Comparator.comparingLong(Mailbox::id))
                .map(m -> m.id() + "=" + m.name() + "=" + m.specialUse()).collect(Collectors.joining("\n"));
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(all.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a state the client sent back; one we did not make cannot be calculated from. */
    public static States parse(String state) {
        if (state == null || !state.matches("[0-9]{1,18}\\.[0-9_]*(\\.[0-9a-f]{12})?")) {
            throw MethodError.cannotCalculateChanges("not a state this server gave: " + state);
        }
        String[] f = state.split("\\.", -1);
        long[] ids = f[1].isEmpty() ? new long[0] : Arrays.stream(f[1].split("_")).mapToLong(Long::parseLong).toArray();
        return new States(Long.parseLong(f[0]), ids, f.length > 2 ? f[2] : null);
    }

    public boolean had(long mailboxId) {
        return Arrays.stream(mailboxIds).anyMatch(id -> id == mailboxId);
    }
}
