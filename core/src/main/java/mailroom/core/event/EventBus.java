package mailroom.core.event;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * In-process fan-out of {@link MailboxEvent}s to the sessions watching an account (IMAP IDLE, POP3
 * not at all). Listeners run on the publisher's thread and must only hand off (e.g. signal a
 * waiting session). In a cluster a relay also sends each event published here to the other nodes,
 * and hands the events that arrive from them to {@link #arrived}.
 */
public final class EventBus {
    private final Map<Long, Set<Consumer<MailboxEvent>>> byAccount = new ConcurrentHashMap<>();
    private volatile Consumer<MailboxEvent> relay = event -> {};

    /** Watches one account until the returned handle is closed. */
    public AutoCloseable subscribe(long accountId, Consumer<MailboxEvent> listener) {
        byAccount.computeIfAbsent(accountId, id -> ConcurrentHashMap.newKeySet()).add(listener);
        return () -> byAccount.computeIfPresent(accountId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    /** Sends every event published from now on to {@code relay} as well (which must not block for long). */
    public void relayTo(Consumer<MailboxEvent> relay) {
        this.relay = relay;
    }

    /** A change made on this node: for the sessions here and, through the relay, everywhere else. */
    public void publish(MailboxEvent event) {
        arrived(event);
        relay.accept(event);
    }

    /**
     * Anything may have changed in any account: every listener hears an event for
     * {@link MailboxEvent#ANY_MAILBOX} of its account and reads the change log. Sent when the link
     * to the other nodes was broken for a while (a database failover), since events sent meanwhile
     * are lost; reading the change log finds what they would have announced.
     */
    public void arrivedEverywhere() {
        byAccount.forEach((accountId, listeners) -> {
            var event = new MailboxEvent(accountId, MailboxEvent.ANY_MAILBOX, 0);
            for (var listener : listeners) listener.accept(event);
        });
    }

    /** A change made on another node: for the sessions here only. */
    public void arrived(MailboxEvent event) {
        var listeners = byAccount.get(event.accountId());
        if (listeners == null) return;
        for (var listener : listeners) listener.accept(event);
    }
}
