package mailroom.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a method sees of the request it is part of: who calls, the creation ids made so far (RFC
 * 8620 section 5.3: "#x" names what an earlier create in the same request made), and a place for
 * the implicit responses some methods add after their own (Email/set after EmailSubmission/set).
 */
public final class Call {
    private final Principal principal;
    private final Map<String, String> createdIds;
    private final String callId;
    private long account;
    final List<Invocation> extra = new ArrayList<>();

    Call(Principal principal, Map<String, String> createdIds, String callId) {
        this.principal = principal;
        this.createdIds = createdIds;
        this.callId = callId;
        this.account = principal.account().id();
    }

    /** The account the call names, once the dispatcher has checked it against {@link AccountAccess}. */
    void account(long accountId) {
        this.account = accountId;
    }

    public Principal principal() {
        return principal;
    }

    /** The storage id of the account the call works on (its "accountId" argument, checked). */
    public long accountId() {
        return account;
    }

    /** The same as JMAP writes it, for the responses. */
    public String jmapAccountId() {
        return "a" + account;
    }

    /** An id as the client wrote it: "#creationId" is looked up among the ids made in this request. */
    public String resolve(String id) {
        if (id == null || !id.startsWith("#")) return id;
        String made = createdIds.get(id.substring(1));
        if (made == null) throw MethodError.invalidArguments("no object was created as " + id);
        return made;
    }

    /** Whether {@code id} is a creation reference that names nothing (a not-found, not a bad request). */
    public boolean knows(String id) {
        return id == null || !id.startsWith("#") || createdIds.containsKey(id.substring(1));
    }

    public void created(String creationId, String id) {
        createdIds.put(creationId, id);
    }

    /** Adds a response after this method's own, with the same call id. */
    public void also(String name, ObjectNode arguments) {
        extra.add(new Invocation(name, arguments, callId));
    }

    /**
     * Runs another method of the table as part of this one (onSuccessUpdateEmail,
     * onSuccessDestroyOriginal), on the account its arguments name: the caller has checked that
     * the login reaches it.
     */
    public ObjectNode invoke(MethodTable table, String name, ObjectNode arguments) {
        Call inner = new Call(principal, createdIds, callId);
        inner.account = arguments.hasNonNull("accountId") ? AccountAccess.storageId(arguments.get("accountId").asText()) : account;
        return table.find(name).orElseThrow().method().call(arguments, inner);
    }

    /** The account argument every account method carries, already checked by the dispatcher. */
    public static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
