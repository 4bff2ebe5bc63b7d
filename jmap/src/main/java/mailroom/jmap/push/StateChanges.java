package mailroom.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.event.EventBus;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.Principal;
import mailroom.jmap.mail.MailContext;
import mailroom.jmap.mail.Reach;
import mailroom.jmap.mail.States;
import mailroom.jmap.sharing.SharedAccounts;
import mailroom.storage.Change;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The type states of the accounts a login reaches as push sends them (RFC 8620 section 7.1): its
 * own and those that share mailboxes with it, each as the login sees it. They are kept in one map
 * keyed "accountId/Type", and a StateChange names each account whose states differ from what the
 * client saw last. EmailDelivery changes only when a message was added, so a client can tell new
 * mail from flag changes.
 */
public final class StateChanges {
    private final MailContext mail;
    private final SharedAccounts access;

    public StateChanges(MailContext mail, SharedAccounts access) {
        this.mail = mail;
        this.access = access;
    }

    /** The accounts whose changes a login's push reports: read when the push starts. */
    public List<Long> accounts(Principal principal) {
        List<Long> ids = new ArrayList<>();
        ids.add(principal.account().id());
        access.others(principal.account()).forEach(o -> ids.add(o.owner().id()));
        return ids;
    }

    /** Listens to every one of the accounts; closing the result stops listening to all. */
    public static AutoCloseable subscribe(EventBus events, List<Long> accounts, Runnable woken) {
        List<AutoCloseable> subscriptions = new ArrayList<>();
        for (long id : accounts) subscriptions.add(events.subscribe(id, event -> woken.run()));
        return () -> {
            for (AutoCloseable s : subscriptions) s.close();
        };
    }

    public Map<String, String> states(Principal principal, List<Long> accounts, Map<String, String> before) {
        Map<String, String> s = new LinkedHashMap<>();
        for (long accountId : accounts) {
            Reach reach = mail.reach(principal.account(), accountId);
            String key = "a" + accountId + "/";
            long modseq = mail.store().highestModseq(accountId);
            s.put(key + "Mailbox", States.mailbox(modseq, reach.mailboxes()));
            String email = States.email(modseq, reach.mailboxes());
            s.put(key + "Email", email);
            s.put(key + "Thread", email);
            String delivery = before == null || before.get(key + "Email") == null ? email : before.get(key + "EmailDelivery");
            if (before != null && before.get(key + "Email") != null && !email.equals(before.get(key + "Email"))) {
                long since = States.parse(before.get(key + "Email")).modseq();
                if (mail.store().changesSince(accountId, since).stream().anyMatch(c -> c.kind() == Change.Kind.ADDED && reach.readable(c.mailboxId()))) {
                    delivery = email;
                }
            }
            s.put(key + "EmailDelivery", delivery);
        }
        return s;
    }

    /** The StateChange for the types the client asked for whose state moved, by account; null when none did. */
    public static ObjectNode change(Map<String, String> before, Map<String, String> now, Set<String> types) {
        ObjectNode changed = Json.object();
        for (var e : now.entrySet()) {
            int slash = e.getKey().indexOf('/');
            String account = e.getKey().substring(0, slash), type = e.getKey().substring(slash + 1);
            if ((types.contains("*") || types.contains(type)) && (before == null || !e.getValue().equals(before.get(e.getKey())))) {
                (changed.has(account) ? (ObjectNode) changed.get(account) : changed.putObject(account)).put(type, e.getValue());
            }
        }
        if (changed.isEmpty()) return null;
        ObjectNode o = Json.object().put("@type", "StateChange");
        o.set("changed", changed);
        return o;
    }
}
