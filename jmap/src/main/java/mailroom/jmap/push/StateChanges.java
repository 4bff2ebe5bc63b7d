package mailroom.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Json;
import mailroom.jmap.mail.MailContext;
import mailroom.jmap.mail.States;
import mailroom.storage.Change;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The type states of one account as push sends them (RFC 8620 section 7.1), and the StateChange
 * object for what differs from what a client saw last. EmailDelivery changes only when a message
 * was added, so a client can tell new mail from flag changes.
 */
public final class StateChanges {
    private final MailContext mail;

    public StateChanges(MailContext mail) {
        this.mail = mail;
    }

    public Map<String, String> states(long accountId, Map<String, String> before) {
        var boxes = mail.store().mailboxes(accountId);
        long modseq = mail.store().highestModseq(accountId);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("Mailbox", States.mailbox(modseq, boxes));
        String email = States.email(modseq, boxes);
        s.put("Email", email);
        s.put("Thread", email);
        String delivery = before == null ? email : before.get("EmailDelivery");
        if (before != null && !email.equals(before.get("Email"))) {
            long since = States.parse(before.get("Email")).modseq();
            if (mail.store().changesSince(accountId, since).stream().anyMatch(c -> c.kind() == Change.Kind.ADDED)) delivery = email;
        }
        s.put("EmailDelivery", delivery);
        return s;
    }

    /** The StateChange for the types the client asked for whose state moved; null when none did. */
    public static ObjectNode change(String accountId, Map<String, String> before, Map<String, String> now, Set<String> types) {
        ObjectNode changed = Json.object();
        for (var e : now.entrySet()) {
            if ((types.contains("*") || types.contains(e.getKey())) && (before == null || !e.getValue().equals(before.get(e.getKey())))) {
                changed.put(e.getKey(), e.getValue());
            }
        }
        if (changed.isEmpty()) return null;
        ObjectNode o = Json.object().put("@type", "StateChange");
        o.putObject("changed").set(accountId, changed);
        return o;
    }
}
