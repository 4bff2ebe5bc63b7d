package mailroom.core.event;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * In-process fan-out of {@link MailboxEvent}s to the sessions watching an account (IMAP IDLE, POP3
 * not at all). Listeners run on the publisher's thread and must only hand off (e.g. signal a
 * waiting session); a later cluster bridge publishes events that arrived from other nodes here too.
 */
public final class EventBus {
    private final Map<Long, Set<Consumer<MailboxEvent>>> byAccount = new ConcurrentHashMap<>();

    /** Watches one account until the returned handle is closed. */
    public AutoCloseable subscribe(long accountId, Consumer<MailboxEvent> listener) {
        byAccount.computeIfAbsent(accountId, id -> ConcurrentHashMap.newKeySet()).add(listener);
        return () -> byAccount.computeIfPresent(accountId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    public void publish(MailboxEvent event) {
        var listeners = byAccount.get(event.accountId());
        if (listeners == null) return;
        for (var listener : listeners) listener.accept(event);
    }
}
