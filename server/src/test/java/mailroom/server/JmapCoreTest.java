package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JMAP core (RFC 8620) against a whole node over HTTPS: the session resource, authentication with
 * the password and with tokens, Core/echo, result references, blobs, and every error of section
 * 3.6 from a request made to cause it.
 */
class JmapCoreTest {
    @TempDir
    Path dir;
    TestNode node;
    Account alice;
    JmapHttp jmap;
    String account;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"), c -> {
            c.jmap.maxCallsInRequest = 4;
            c.jmap.maxObjectsInGet = 3;
            c.jmap.maxObjectsInSet = 2;
            c.jmap.maxSizeRequest = 4000;
            c.jmap.maxSizeUpload = 1000;
        });
        alice = new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
        jmap = new JmapHttp(node.jmap(), "alice@example.test", "alice-password");
        account = "a" + alice.id();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void theSessionResourceNamesTheAccountTheLimitsAndTheUrls() throws Exception {
        JsonNode s = jmap.session();
        JsonNode core = s.get("capabilities").get("urn:ietf:params:jmap:core");
        assertThat(core.get("maxCallsInRequest").asInt()).isEqualTo(4);
        for (String limit : new String[] {"maxSizeUpload", "maxConcurrentUpload", "maxSizeRequest", "maxConcurrentRequests",
                "maxObjectsInGet", "maxObjectsInSet", "collationAlgorithms"}) assertThat(core.has(limit)).as(limit).isTrue();
        assertThat(s.get("capabilities").has("urn:ietf:params:jmap:mail")).isTrue();
        assertThat(s.get("accounts").get(account).get("name").asText()).isEqualTo("alice@example.test");
        assertThat(s.get("primaryAccounts").get("urn:ietf:params:jmap:mail").asText()).isEqualTo(account);
        assertThat(s.get("apiUrl").asText()).endsWith("/jmap/api");
        assertThat(s.get("downloadUrl").asText()).contains("{accountId}", "{blobId}", "{name}", "{type}");
        assertThat(s.get("uploadUrl").asText()).contains("{accountId}");
        assertThat(s.get("eventSourceUrl").asText()).contains("{types}", "{closeafter}", "{ping}");
        assertThat(s.get("state").asText()).isNotEmpty();
    }

    @Test
    void aWrongOrMissingPasswordIs401() throws Exception {
        var wrong = new JmapHttp(node.jmap(), "alice@example.test", "not-the-password");
        var r = wrong.get("/.well-known/jmap");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(new JmapHttp(node.jmap(), (String) null).get("/.well-known/jmap").statusCode()).isEqualTo(401);
    }

    @Test
    void tokensCarryAScopeAndDieWithThePassword() throws Exception {
        var r = jmap.post("/jmap/token?scope=read", "application/json", new byte[0]);
        assertThat(r.statusCode()).isEqualTo(200);
        String token = JmapHttp.JSON.readTree(r.body()).get("token").asText();
        var reader = new JmapHttp(node.jmap(), "Bearer " + token);
        JsonNode s = reader.session();
        assertThat(s.get("accounts").get(account).get("isReadOnly").asBoolean()).isTrue();
        assertThat(reader.call("Mailbox/get", "{\"accountId\": \"" + account + "\"}").get("list")).hasSize(6);
        // accountReadOnly: the read token may not change anything
        JsonNode denied = reader.call("Mailbox/set", "{\"accountId\": \"" + account + "\", \"create\": {\"x\": {\"name\": \"X\"}}}");
        assertThat(denied.get("type").asText()).isEqualTo("accountReadOnly");
        // accountNotSupportedByMethod: its account does not offer submission
        assertThat(reader.call("EmailSubmission/get", "{\"accountId\": \"" + account + "\", \"ids\": []}").get("type").asText())
                .isEqualTo("accountNotSupportedByMethod");
        // forbidden: a mail-scoped token may change mail but not send or set an out-of-office
        String mailToken = JmapHttp.JSON.readTree(jmap.post("/jmap/token?scope=mail", "application/json", new byte[0]).body()).get("token").asText();
        var sorter = new JmapHttp(node.jmap(), "Bearer " + mailToken);
        assertThat(sorter.call("VacationResponse/set", "{\"accountId\": \"" + account + "\", \"update\": {\"singleton\": {\"isEnabled\": false}}}")
                .get("type").asText()).isEqualTo("forbidden");
        // a changed password ends every token
        new Accounts(node.node.storage(), "example.test").setPassword("alice", "a-new-password");
        assertThat(reader.get("/.well-known/jmap").statusCode()).isEqualTo(401);
        assertThat(new JmapHttp(node.jmap(), "Bearer mrjmap.1.full.forged").get("/.well-known/jmap").statusCode()).isEqualTo(401);
    }

    @Test
    void echoAndResultReferences() throws Exception {
        JsonNode r = jmap.api("""
                [["Core/echo", {"hello": true, "list": [{"id": "x"}, {"id": "y"}]}, "0"],
                 ["Core/echo", {"#ids": {"resultOf": "0", "name": "Core/echo", "path": "/list/*/id"}}, "1"],
                 ["Mailbox/query", {"accountId": "%s", "filter": {"role": "inbox"}}, "2"],
                 ["Mailbox/get", {"accountId": "%s", "#ids": {"resultOf": "2", "name": "Mailbox/query", "path": "/ids"}, "properties": ["name", "role"]}, "3"]]
                """.formatted(account, account));
        JsonNode responses = r.get("methodResponses");
        assertThat(responses.get(0).get(1).get("hello").asBoolean()).isTrue();
        assertThat(responses.get(1).get(1).get("ids").toString()).isEqualTo("[\"x\",\"y\"]");
        assertThat(responses.get(3).get(1).get("list").get(0).get("name").asText()).isEqualTo("INBOX");
        assertThat(responses.get(3).get(1).get("list").get(0).get("role").asText()).isEqualTo("inbox");
        assertThat(r.get("sessionState").asText()).isEqualTo(jmap.session().get("state").asText());
    }

    private JsonNode problem(String body, String contentType) throws Exception {
        var r = jmap.post("/jmap/api", contentType, body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        return JmapHttp.JSON.readTree(r.body());
    }

    @Test
    void everyRequestLevelErrorComesAsProblemDetails() throws Exception {
        assertThat(problem("{\"using\": [\"urn:example:nope\"], \"methodCalls\": []}", "application/json").get("type").asText())
                .isEqualTo("urn:ietf:params:jmap:error:unknownCapability");
        assertThat(problem("{not json", "application/json").get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:notJSON");
        assertThat(problem("{}", "text/plain").get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:notJSON");
        assertThat(problem("{\"using\": [], \"methodCalls\": {}}", "application/json").get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:notRequest");
        assertThat(problem("[1, 2]", "application/json").get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:notRequest");
        String five = "[\"Core/echo\", {}, \"a\"],".repeat(4) + "[\"Core/echo\", {}, \"a\"]";
        JsonNode tooMany = problem("{\"using\": [\"urn:ietf:params:jmap:core\"], \"methodCalls\": [" + five + "]}", "application/json");
        assertThat(tooMany.get("type").asText()).isEqualTo("urn:ietf:params:jmap:error:limit");
        assertThat(tooMany.get("limit").asText()).isEqualTo("maxCallsInRequest");
        String big = "{\"using\": [\"urn:ietf:params:jmap:core\"], \"methodCalls\": [[\"Core/echo\", {\"x\": \"" + "y".repeat(5000) + "\"}, \"a\"]]}";
        assertThat(problem(big, "application/json").get("limit").asText()).isEqualTo("maxSizeRequest");
    }

    private String error(String method, String arguments) throws Exception {
        JsonNode r = jmap.api("[[\"" + method + "\", " + arguments + ", \"c\"]]").get("methodResponses").get(0);
        assertThat(r.get(0).asText()).isEqualTo("error");
        return r.get(1).get("type").asText();
    }

    @Test
    void everyMethodLevelErrorFromARequestMadeToCauseIt() throws Exception {
        String a = "\"accountId\": \"" + account + "\"";
        assertThat(error("Nothing/here", "{}")).isEqualTo("unknownMethod");
        // a known method whose capability the request did not use is unknown too (RFC 8620 section 3.6.2)
        JsonNode notUsed = JmapHttp.JSON.readTree(jmap.rawApi("{\"using\": [\"urn:ietf:params:jmap:core\"], \"methodCalls\": [[\"Mailbox/get\", {" + a + "}, \"c\"]]}").body());
        assertThat(notUsed.get("methodResponses").get(0).get(1).get("type").asText()).isEqualTo("unknownMethod");
        assertThat(error("Mailbox/get", "{" + a + ", \"ids\": 5}")).isEqualTo("invalidArguments");
        assertThat(error("Mailbox/get", "{" + a + ", \"ids\": [], \"#ids\": {\"resultOf\": \"z\", \"name\": \"Mailbox/query\", \"path\": \"/ids\"}}")).isEqualTo("invalidArguments");
        assertThat(error("Mailbox/get", "{" + a + ", \"#ids\": {\"resultOf\": \"nowhere\", \"name\": \"Mailbox/query\", \"path\": \"/ids\"}}")).isEqualTo("invalidResultReference");
        assertThat(error("Mailbox/get", "{\"accountId\": \"a999999\"}")).isEqualTo("accountNotFound");
        assertThat(error("Email/get", "{" + a + ", \"ids\": [\"e1-1\", \"e1-2\", \"e1-3\", \"e1-4\"]}")).isEqualTo("requestTooLarge");
        assertThat(error("Mailbox/set", "{" + a + ", \"destroy\": [\"m1\", \"m2\", \"m3\"]}")).isEqualTo("requestTooLarge");
        assertThat(error("Mailbox/set", "{" + a + ", \"ifInState\": \"0.1\", \"create\": {}}")).isEqualTo("stateMismatch");
        assertThat(error("Email/changes", "{" + a + ", \"sinceState\": \"garbage\"}")).isEqualTo("cannotCalculateChanges");
        assertThat(error("Mailbox/changes", "{" + a + ", \"sinceState\": \"999999.1\"}")).isEqualTo("cannotCalculateChanges");
        assertThat(error("Email/copy", "{" + a + ", \"fromAccountId\": \"a424242\", \"create\": {}}")).isEqualTo("fromAccountNotFound");
        assertThat(error("Email/query", "{" + a + ", \"filter\": {\"colour\": \"red\"}}")).isEqualTo("unsupportedFilter");
        assertThat(error("Email/query", "{" + a + ", \"sort\": [{\"property\": \"colour\"}]}")).isEqualTo("unsupportedSort");
        assertThat(error("Email/query", "{" + a + ", \"anchor\": \"e9-9\"}")).isEqualTo("anchorNotFound");
        // the other calls of the request go on after an error
        JsonNode both = jmap.api("[[\"Nothing/here\", {}, \"1\"], [\"Core/echo\", {\"ok\": 1}, \"2\"]]").get("methodResponses");
        assertThat(both.get(1).get(1).get("ok").asInt()).isEqualTo(1);
    }

    @Test
    void aFaultInTheServerIsServerFailAndTheRequestGoesOn() throws Exception {
        // A message whose stored parse is damaged: reading it fails inside the server. (Deleting its
        // file would not do: the blob store keeps a small message's bytes once it has read them.)
        var storage = node.node.storage();
        LineClient.sendMail("127.0.0.1", node.smtp(), "someone@example.net", "alice@example.test", "hello");
        node.awaitDelivered();
        var inbox = storage.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        var message = storage.mail().messages(alice.id(), inbox.id()).get(0);
        try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/mailroom.db"));
             var st = db.prepareStatement("UPDATE messages SET structure = '{\"damaged' WHERE account_id = ? AND mailbox_id = ? AND uid = ?")) {
            db.createStatement().execute("PRAGMA busy_timeout = 10000");
            st.setLong(1, alice.id());
            st.setLong(2, inbox.id());
            st.setLong(3, message.uid());
            assertThat(st.executeUpdate()).isEqualTo(1);
        }
        String id = "e" + inbox.id() + "-" + message.uid();
        JsonNode r = jmap.api("[[\"Email/get\", {\"accountId\": \"" + account + "\", \"ids\": [\"" + id + "\"], \"properties\": [\"subject\"]}, \"1\"],"
                + "[\"Core/echo\", {}, \"2\"]]").get("methodResponses");
        assertThat(r.get(0).get(0).asText()).isEqualTo("error");
        assertThat(r.get(0).get(1).get("type").asText()).isEqualTo("serverFail");
        assertThat(r.get(1).get(0).asText()).isEqualTo("Core/echo");
    }

    @Test
    void blobsGoUpAndComeBackAndLargeOnesAreRefused() throws Exception {
        byte[] bytes = "From: a@example.net\r\nSubject: up\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);
        var up = jmap.post("/jmap/upload/" + account + "/", "message/rfc822", bytes);
        assertThat(up.statusCode()).isEqualTo(201);
        JsonNode u = JmapHttp.JSON.readTree(up.body());
        assertThat(u.get("size").asInt()).isEqualTo(bytes.length);
        var down = jmap.get("/jmap/download/" + account + "/" + u.get("blobId").asText() + "/m.eml?accept=message/rfc822");
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.body()).contains("Subject: up");
        assertThat(down.headers().firstValue("Content-Type").orElse("")).startsWith("message/rfc822");
        var tooBig = jmap.post("/jmap/upload/" + account + "/", "application/octet-stream", new byte[2000]);
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(JmapHttp.JSON.readTree(tooBig.body()).get("limit").asText()).isEqualTo("maxSizeUpload");
        assertThat(jmap.get("/jmap/download/" + account + "/uffff/x").statusCode()).isEqualTo(404);
    }
}
