package mailroom.jmap.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.event.EventBus;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.Limits;
import mailroom.jmap.core.Principal;
import mailroom.jmap.core.Problem;
import mailroom.jmap.core.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * One JMAP WebSocket connection after the upgrade (RFC 8887): the client's text messages are
 * Request, WebSocketPushEnable and WebSocketPushDisable objects; the server answers each Request
 * with a Response or RequestError carrying its id, and, while push is enabled, sends a StateChange
 * whenever a type the client asked for moves. Transport-free: the server gives it the principal
 * authenticated at the upgrade, a way to run a request and a way to send text.
 */
public final class WebSocketChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebSocketChannel.class);

    private final Principal principal;
    private final Limits limits;
    private final BiFunction<Request, Principal, ObjectNode> api;
    private final EventBus events;
    private final StateChanges states;
    private final Consumer<String> out;
    private Thread pusher;

    public WebSocketChannel(Principal principal, Limits limits, BiFunction<Request, Principal, ObjectNode> api, EventBus events, StateChanges states,
                            Consumer<String> out) {
        this.principal = principal;
        this.limits = limits;
        this.api = api;
        this.events = events;
        this.states = states;
        this.out = out;
    }

    /** One text message from the client (RFC 8887 section 4.3). */
    public void receive(String text) {
        JsonNode message;
        if (text.length() > limits.maxSizeRequest() || text.getBytes(StandardCharsets.UTF_8).length > limits.maxSizeRequest()) {
            send(requestError(null, Problem.limit("maxSizeRequest", "at most " + limits.maxSizeRequest() + " bytes in one request")));
            return;
        }
        try {
            message = Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            send(requestError(null, Problem.notJson("the message is not JSON")));
            return;
        }
        if (message == null || !message.isObject()) {
            send(requestError(null, Problem.notRequest("a message is a JSON object with an @type")));
            return;
        }
        String id = message.path("id").isTextual() ? message.get("id").asText() : null;
        switch (message.path("@type").asText("")) {
            case "Request" -> request(id, message);
            case "WebSocketPushEnable" -> enablePush(message);
            case "WebSocketPushDisable" -> disablePush();
            default -> send(requestError(id, Problem.notRequest("@type is Request, WebSocketPushEnable or WebSocketPushDisable")));
        }
    }

    private void request(String id, JsonNode message) {
        try {
            ObjectNode result = api.apply(Request.parse(message, limits), principal);
            ObjectNode response = Json.object().put("@type", "Response");
            if (id != null) response.put("requestId", id);
            response.setAll(result);
            send(response);
        } catch (Problem p) {
            send(requestError(id, p));
        }
    }

    /** RFC 8887 section 4.3.3: a request-level error, as problem details with the request's id. */
    private static ObjectNode requestError(String id, Problem p) {
        ObjectNode o = Json.object().put("@type", "RequestError");
        if (id != null) o.put("requestId", id);
        o.setAll(p.toJson());
        return o;
    }

    /**
     * RFC 8887 section 4.3.5.2: pushes StateChanges for the data types asked for (null: all) from
     * now on; with a pushState the client had, first what changed since it.
     */
    private synchronized void enablePush(JsonNode message) {
        disablePush();
        JsonNode types = message.get("dataTypes");
        Set<String> wanted = new TreeSet<>();
        if (types == null || types.isNull()) wanted.add("*");
        else types.forEach(t -> wanted.add(t.asText()));
        Map<String, String> since = decode(message.path("pushState").asText(null));
        List<Long> accounts = states.accounts(principal);
        pusher = Thread.ofVirtual().name("jmap-ws-push-" + principal.accountId()).start(() -> {
            Semaphore woken = new Semaphore(0);
            try (AutoCloseable ignored = StateChanges.subscribe(events, accounts, woken::release)) {
                Map<String, String> seen;
                try {
                    seen = states.states(principal, accounts, since);
                } catch (RuntimeException e) { // a pushState with states we did not make: start afresh
                    seen = states.states(principal, accounts, null);
                }
                if (since != null) push(since, seen, wanted);
                while (!Thread.currentThread().isInterrupted()) {
                    woken.acquire();
                    woken.drainPermits();
                    Map<String, String> now = states.states(principal, accounts, seen);
                    push(seen, now, wanted);
                    seen = now;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("push for {} over WebSocket ended: {}", principal.account().address(), e.toString());
            }
        });
    }

    private void push(Map<String, String> before, Map<String, String> now, Set<String> types) {
        ObjectNode change = StateChanges.change(before, now, types);
        if (change == null) return;
        change.put("pushState", encode(now));
        send(change);
    }

    private synchronized void disablePush() {
        if (pusher != null) pusher.interrupt();
        pusher = null;
    }

    /** The pushState (RFC 8887 section 4.3.5.1): every type's state, so a reconnecting client can be told what moved. */
    static String encode(Map<String, String> states) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.MAPPER.valueToTree(states).toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The states of a pushState we gave, or null for none or one we cannot read. */
    static Map<String, String> decode(String pushState) {
        if (pushState == null) return null;
        try {
            JsonNode n = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(pushState));
            if (n == null || !n.isObject()) return null;
            Map<String, String> out = new LinkedHashMap<>();
            n.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (RuntimeException | java.io.IOException e) {
            return null;
        }
    }

    /** Pushes and responses come from different threads; one message goes out at a time. */
    private void send(ObjectNode message) {
        synchronized (out) {
            out.accept(message.toString());
        }
    }

    @Override
    public void close() {
        disablePush();
    }
}
