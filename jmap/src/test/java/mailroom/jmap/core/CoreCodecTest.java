package mailroom.jmap.core;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The protocol without I/O: request decoding, JSON pointers with "*", result references, the dispatcher's errors. */
class CoreCodecTest {
    static final Limits LIMITS = new Limits(1000, 1, 2000, 1, 3, 10, 10, Set.of(Capability.CORE, Capability.MAIL));
    static final Principal ALICE = new Principal(new Account(7, "alice", "example.test", "x", 0, "", false), Scope.FULL);

    static JsonNode tree(String json) throws Exception {
        return Json.MAPPER.readTree(json);
    }

    @Test
    void pointersWalkObjectsArraysAndStars() throws Exception {
        JsonNode doc = tree("{\"list\": [{\"id\": \"a\", \"t\": [1, 2]}, {\"id\": \"b\", \"t\": [3]}], \"a/b\": 1, \"m~n\": 2}");
        assertThat(JsonPointer.evaluate(doc, "/list/*/id").orElseThrow().toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(JsonPointer.evaluate(doc, "/list/*/t").orElseThrow().toString()).isEqualTo("[1,2,3]"); // flattened
        assertThat(JsonPointer.evaluate(doc, "/list/1/id").orElseThrow().asText()).isEqualTo("b");
        assertThat(JsonPointer.evaluate(doc, "/a~1b").orElseThrow().asInt()).isEqualTo(1);
        assertThat(JsonPointer.evaluate(doc, "/m~0n").orElseThrow().asInt()).isEqualTo(2);
        assertThat(JsonPointer.evaluate(doc, "/list/01")).isEmpty();
        assertThat(JsonPointer.evaluate(doc, "/list/5")).isEmpty();
        assertThat(JsonPointer.evaluate(doc, "list")).isEmpty();
        assertThat(JsonPointer.evaluate(doc, "").orElseThrow()).isEqualTo(doc);
    }

    private static Problem problem(String body) {
        try {
            Request.parse(body.getBytes(StandardCharsets.UTF_8), LIMITS);
        } catch (Problem p) {
            return p;
        }
        throw new AssertionError("parsed: " + body);
    }

    @Test
    void requestsAreCheckedBeforeAnyMethodRuns() {
        assertThat(problem("nope").type()).endsWith(":notJSON");
        assertThat(problem("").type()).endsWith(":notJSON");
        assertThat(problem("{\"using\": []}").type()).endsWith(":notRequest");
        assertThat(problem("{\"using\": [], \"methodCalls\": [[\"a\", {}]]}").type()).endsWith(":notRequest");
        assertThat(problem("{\"using\": [\"urn:x\"], \"methodCalls\": []}").type()).endsWith(":unknownCapability");
        assertThat(problem("{\"using\": [], \"methodCalls\": [[\"a\",{},\"1\"],[\"a\",{},\"2\"],[\"a\",{},\"3\"],[\"a\",{},\"4\"]]}").toJson().get("limit").asText())
                .isEqualTo("maxCallsInRequest");
        assertThat(problem("{\"x\": \"" + "y".repeat(2100) + "\"}").toJson().get("limit").asText()).isEqualTo("maxSizeRequest");
    }

    private static JsonNode run(MethodTable table, String calls, java.util.function.Function<RuntimeException, MethodError> faults) throws Exception {
        Request r = Request.parse(("{\"using\": [\"urn:ietf:params:jmap:core\", \"urn:ietf:params:jmap:mail\"], \"methodCalls\": " + calls + "}")
                .getBytes(StandardCharsets.UTF_8), LIMITS);
        return new Dispatcher(table, AccountAccess.OWN_ONLY, faults).run(r, ALICE, "s").get("methodResponses");
    }

    @Test
    void faultsBecomeServerFailOrServerUnavailableAndTheRequestGoesOn() throws Exception {
        MethodTable table = new MethodTable()
                .add("Core/echo", Capability.CORE, Access.NONE, (a, c) -> a)
                .add("Test/broken", Capability.MAIL, Access.READ, (a, c) -> {
                    throw new IllegalStateException("disk on fire");
                });
        String calls = "[[\"Test/broken\", {\"accountId\": \"a7\"}, \"1\"], [\"Core/echo\", {\"x\": 1}, \"2\"]]";
        JsonNode fail = run(table, calls, e -> new MethodError("serverFail", e.getMessage()));
        assertThat(fail.get(0).get(1).get("type").asText()).isEqualTo("serverFail");
        assertThat(fail.get(1).get(1).get("x").asInt()).isEqualTo(1);
        JsonNode away = run(table, calls, e -> new MethodError("serverUnavailable", "later"));
        assertThat(away.get(0).get(1).get("type").asText()).isEqualTo("serverUnavailable");
    }

    @Test
    void referencesReadEarlierResponsesAndCheckTheirName() throws Exception {
        MethodTable table = new MethodTable().add("Core/echo", Capability.CORE, Access.NONE, (a, c) -> a);
        JsonNode r = run(table, "[[\"Core/echo\", {\"l\": [{\"id\": 1}]}, \"0\"],"
                + "[\"Core/echo\", {\"#v\": {\"resultOf\": \"0\", \"name\": \"Core/echo\", \"path\": \"/l/*/id\"}}, \"1\"],"
                + "[\"Core/echo\", {\"#v\": {\"resultOf\": \"0\", \"name\": \"Mailbox/get\", \"path\": \"/l\"}}, \"2\"]]", e -> null);
        assertThat(r.get(1).get(1).get("v").toString()).isEqualTo("[1]");
        assertThat(r.get(2).get(1).get("type").asText()).isEqualTo("invalidResultReference");
    }

    @Test
    void theTableRefusesTwoHandlersForOneName() {
        MethodTable table = new MethodTable().add("Core/echo", Capability.CORE, Access.NONE, (a, c) -> a);
        assertThatThrownBy(() -> table.add("Core/echo", Capability.CORE, Access.NONE, (a, c) -> a)).isInstanceOf(IllegalArgumentException.class);
        assertThat(table.capabilities()).containsExactly(Capability.CORE);
    }
}
