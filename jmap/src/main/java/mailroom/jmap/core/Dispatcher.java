package mailroom.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs the method calls of one request in order (RFC 8620 section 3.3): checks each against the
 * table and the account, resolves its result references, and turns whatever goes wrong into the
 * method-level error of section 3.6.2, so one bad call never spoils the others.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final MethodTable table;
    private final AccountAccess access;
    private final Function<RuntimeException, MethodError> faults;

    /** {@code faults} says what an unexpected exception means to the client (serverFail, serverUnavailable). */
    public Dispatcher(MethodTable table, AccountAccess access, Function<RuntimeException, MethodError> faults) {
        this.table = table;
        this.access = access;
        this.faults = faults;
    }

    public ObjectNode run(Request request, Principal principal, String sessionState) {
        Map<String, String> createdIds = request.createdIds() == null ? new HashMap<>() : new HashMap<>(request.createdIds());
        List<Invocation> responses = new ArrayList<>();
        for (Invocation invocation : request.calls()) {
            Call call = new Call(principal, createdIds, invocation.callId());
            ObjectNode result;
            String name;
            try {
                var entry = table.find(invocation.name())
                        .filter(e -> request.using().contains(e.capability()))
                        .orElseThrow(() -> new MethodError("unknownMethod", "no method " + invocation.name() + " in the capabilities used"));
                ObjectNode arguments = ResultReferences.resolve(invocation.arguments(), responses);
                checkAccount(entry, arguments, principal);
                if (entry.access() != Access.NONE) call.account(AccountAccess.storageId(arguments.get("accountId").asText()));
                result = entry.method().call(arguments, call);
                name = invocation.name();
            } catch (MethodError e) {
                result = e.toJson();
                name = "error";
                call.extra.clear();
            } catch (RuntimeException e) {
                MethodError error = faults.apply(e);
                log.warn("{} failed for {}: {}", invocation.name(), principal.account().address(), e.toString(), e);
                result = error.toJson();
                name = "error";
                call.extra.clear();
            }
            responses.add(new Invocation(name, result, invocation.callId()));
            responses.addAll(call.extra);
        }
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("methodResponses");
        responses.forEach(r -> list.add(r.toJson()));
        if (request.createdIds() != null) {
            ObjectNode ids = out.putObject("createdIds");
            createdIds.forEach(ids::put);
        }
        out.put("sessionState", sessionState);
        return out;
    }

    /** RFC 8620 section 3.6.2: accountNotFound, accountNotSupportedByMethod, accountReadOnly; our scopes add forbidden. */
    private void checkAccount(MethodTable.Entry entry, ObjectNode arguments, Principal principal) {
        if (entry.access() == Access.NONE) return;
        JsonNode accountId = arguments.get("accountId");
        if (accountId == null || !accountId.isTextual()) throw MethodError.invalidArguments("accountId is required");
        long id = AccountAccess.storageId(accountId.asText());
        if (id < 0 || !access.mayRead(principal, id)) {
            throw new MethodError("accountNotFound", "no account " + accountId.asText() + " for this login");
        }
        if (entry.access() != Access.READ && !access.mayWrite(principal, id)) {
            throw new MethodError("accountReadOnly", "this login may only read the account " + accountId.asText());
        }
        if (!access.capabilities(principal, id).contains(entry.capability())) {
            throw new MethodError("accountNotSupportedByMethod", "this login's account does not offer " + entry.capability());
        }
        if (entry.access() != Access.READ && !principal.scope().mayWrite()) {
            throw new MethodError("accountReadOnly", "this login may only read the account");
        }
        if (entry.access() == Access.SEND && !principal.scope().maySend()) {
            throw new MethodError("forbidden", "this login may not send or answer mail on the account's behalf");
        }
    }
}
