package mailroom.jmap.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.event.EventBus;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.Principal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One EventSource stream (RFC 8620 section 7.3). It listens on the storage event bus, which
 * carries this node's changes and, in a cluster, every other node's (LISTEN/NOTIFY); each event
 * only wakes the stream, which then reads the states and sends a StateChange if any moved. The
 * stream starts with the current states so a client knows where it stands.
 */
public final class EventSourcePush {
    private final EventBus events;
    private final StateChanges states;

    public EventSourcePush(EventBus events, StateChanges states) {
        this.events = events;
        this.states = states;
    }

    /** The query arguments of the eventSourceUrl. */
    public record Options(Set<String> types, boolean closeAfterState, int pingSeconds) {}

    /** Runs until the client goes away (or after the first change with closeafter=state). */
    public void stream(Principal principal, Options options, OutputStream out) throws IOException, InterruptedException {
        List<Long> accounts = states.accounts(principal);
        Semaphore woken = new Semaphore(0);
        try (AutoCloseable ignored = StateChanges.subscribe(events, accounts, woken::release)) {
            Map<String, String> seen = states.states(principal, accounts, null);
            if (!options.closeAfterState()) send(out, "state", StateChanges.change(null, seen, options.types()));
            while (true) {
                boolean changed = options.pingSeconds() > 0 ? woken.tryAcquire(options.pingSeconds(), TimeUnit.SECONDS) : acquire(woken);
                if (!changed) {
                    send(out, "ping", Json.object().put("@type", "Ping").put("interval", options.pingSeconds()));
                    continue;
                }
                woken.drainPermits();
                Map<String, String> now = states.states(principal, accounts, seen);
                ObjectNode change = StateChanges.change(seen, now, options.types());
                seen = now;
                if (change == null) continue;
                send(out, "state", change);
                if (options.closeAfterState()) return;
            }
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static boolean acquire(Semaphore s) throws InterruptedException {
        s.acquire();
        return true;
    }

    private static void send(OutputStream out, String event, ObjectNode data) throws IOException {
        if (data == null) return;
        String text = "event: " + event + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n";
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
