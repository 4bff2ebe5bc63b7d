package mailroom.admin;

import mailroom.core.config.Config;
import mailroom.storage.Accounts;
import mailroom.storage.Queue;
import mailroom.storage.Storage;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin HTTP API over a real socket: authentication, every endpoint, its errors, the audit log, autoconfiguration. */
class AdminServerTest {
    @TempDir
    Path dir;
    Storage storage;
    Accounts accounts;
    AdminServer server;
    final HttpClient http = HttpClient.newHttpClient();
    String admin;

    @BeforeEach
    void start() {
        storage = SqliteStorage.open(dir, false);
        accounts = new Accounts(storage, "example.test");
        accounts.addDomain("example.test");
        var root = accounts.create("root@example.test", "root-password");
        storage.directory().setAdmin(root.id(), true);
        accounts.create("alice@example.test", "alice-password");
        var config = new Config();
        config.admin.port = 0;
        server = new AdminServer(config, storage, accounts);
        admin = basic("root@example.test", "root-password");
    }

    @AfterEach
    void stop() {
        server.close();
        storage.close();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    record Reply(int status, String body, HttpResponse<String> raw) {}

    Reply call(String method, String path, String auth, String json) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (auth != null) request.header("Authorization", auth);
        if (json != null) request.header("Content-Type", "application/json");
        var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response);
    }

    Reply get(String path) throws Exception {
        return call("GET", path, admin, null);
    }

    @Test
    void healthNeedsNoLoginAndTheApiNeedsAnAdministrator() throws Exception {
        assertThat(call("GET", "/healthz", null, null).body()).isEqualTo("ok");
        assertThat(call("GET", "/readyz", null, null)).extracting(Reply::status, Reply::body).containsExactly(200, "ready");
        var anonymous = call("GET", "/api/v1/accounts", null, null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(call("GET", "/api/v1/accounts", basic("alice@example.test", "alice-password"), null).status()).as("not an admin").isEqualTo(403);
        assertThat(call("GET", "/api/v1/accounts", basic("root@example.test", "wrong"), null).status()).isEqualTo(401);
        assertThat(call("GET", "/api/v1/accounts", "Bearer mr_nonsense", null).status()).isEqualTo(401);
        assertThat(call("GET", "/api/v1/accounts", "Digest x", null).status()).isEqualTo(401);
        assertThat(get("/api/v1/accounts").body()).contains("\"address\":\"alice@example.test\"").contains("\"admin\":true");

        String token = AdminAuth.createToken(storage.directory(), "backup");
        assertThat(call("GET", "/api/v1/domains", "Bearer " + token, null)).extracting(Reply::status, Reply::body).containsExactly(200, "[\"example.test\"]");
        assertThat(storage.directory().adminTokens()).containsExactly("backup");
    }

    @Test
    void accountsAndDomains() throws Exception {
        var created = call("POST", "/api/v1/accounts", admin, "{\"address\":\"carol@example.test\",\"password\":\"carol-password\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body()).contains("\"address\":\"carol@example.test\"", "\"quotaBytes\":0");
        assertThat(call("POST", "/api/v1/accounts", admin, "{\"address\":\"carol@example.test\",\"password\":\"another-password\"}"))
                .extracting(Reply::status, Reply::body).containsExactly(409, "{\"error\":\"account carol@example.test already exists\"}");
        assertThat(call("POST", "/api/v1/accounts", admin, "{\"address\":\"dave@example.test\"}"))
                .extracting(Reply::status, Reply::body).containsExactly(400, "{\"error\":\"\\\"password\\\" (a string) is required\"}");
        assertThat(call("POST", "/api/v1/accounts", admin, "{not json").status()).isEqualTo(400);
        assertThat(call("POST", "/api/v1/accounts", admin, "{\"address\":\"dave@example.test\",\"password\":\"short\"}").body())
                .isEqualTo("{\"error\":\"a password needs at least 8 characters\"}");
        assertThat(call("POST", "/api/v1/accounts/import", admin, "# moved from the old server\nfrank@example.test frank-password\n\ngina@example.test gina-password\n").body())
                .isEqualTo("{\"created\":2}");
        assertThat(accounts.authenticate("gina@example.test", "gina-password", java.net.InetAddress.getLoopbackAddress(), "test")).isPresent();
        assertThat(call("POST", "/api/v1/accounts/import", admin, "hank@example.test\n").body()).contains("the body line 1: expected an address and a password");
        assertThat(get("/api/v1/accounts?search=car").body()).contains("carol@").doesNotContain("alice@");
        assertThat(get("/api/v1/accounts?limit=1").body()).startsWith("[{").doesNotContain("},{");
        assertThat(get("/api/v1/accounts?limit=0").status()).isEqualTo(400);
        assertThat(get("/api/v1/accounts/nobody@example.test").status()).isEqualTo(404);

        assertThat(call("PUT", "/api/v1/accounts/carol@example.test/quota", admin, "{\"bytes\":1048576}").body()).contains("\"quotaBytes\":1048576");
        assertThat(call("PUT", "/api/v1/accounts/carol@example.test/quota", admin, "{\"bytes\":\"lots\"}").status()).isEqualTo(400);
        assertThat(call("PUT", "/api/v1/accounts/carol@example.test/password", admin, "{\"password\":\"new-password\"}").status()).isEqualTo(204);
        assertThat(accounts.authenticate("carol@example.test", "new-password", java.net.InetAddress.getLoopbackAddress(), "test")).isPresent();
        assertThat(call("PUT", "/api/v1/accounts/carol@example.test/admin", admin, "{\"admin\":true}").body()).contains("\"admin\":true");
        assertThat(call("GET", "/api/v1/nodes", basic("carol@example.test", "new-password"), null).status()).as("carol administers now").isEqualTo(200);
        assertThat(call("DELETE", "/api/v1/accounts/carol@example.test", admin, null).status()).isEqualTo(204);
        assertThat(accounts.find("carol@example.test")).isEmpty();

        assertThat(call("POST", "/api/v1/domains", admin, "{\"name\":\"Example.ORG\"}").status()).isEqualTo(201);
        assertThat(get("/api/v1/domains").body()).isEqualTo("[\"example.org\",\"example.test\"]");
        assertThat(call("POST", "/api/v1/domains", admin, "{\"name\":\"not a domain\"}").body()).contains("not a domain name");
    }

    @Test
    void aliasesDkimRoutesStoresAndTheQueue() throws Exception {
        assertThat(call("PUT", "/api/v1/aliases/team@example.test", admin, "{\"targets\":[\"alice@example.test\",\"friend@elsewhere.test\"]}").status()).isEqualTo(200);
        assertThat(get("/api/v1/aliases").body()).contains("team@example.test").contains("friend@elsewhere.test");
        assertThat(call("PUT", "/api/v1/aliases/team@nowhere.test", admin, "{\"targets\":[\"alice@example.test\"]}").body()).contains("is not local");
        assertThat(call("PUT", "/api/v1/aliases/team@example.test", admin, "{\"targets\":[]}").status()).isEqualTo(400);
        assertThat(call("DELETE", "/api/v1/aliases/team@example.test", admin, null).status()).isEqualTo(204);
        assertThat(call("DELETE", "/api/v1/aliases/team@example.test", admin, null).status()).isEqualTo(404);

        var dkim = call("POST", "/api/v1/dkim/example.test", admin, "{\"selector\":\"s1\"}");
        assertThat(dkim.status()).isEqualTo(201);
        assertThat(dkim.body()).contains("\"name\":\"s1._domainkey.example.test\"").contains("v=DKIM1; k=rsa; p=MIIB");
        assertThat(get("/api/v1/dkim/example.test").body()).isEqualTo(dkim.body());
        assertThat(get("/api/v1/dkim/example.org").status()).isEqualTo(404);

        var now = Instant.now();
        storage.directory().heartbeat("store1", Set.of("store"), "127.0.1.1", now);
        storage.directory().heartbeat("store2", Set.of("store"), "127.0.1.2", now);
        assertThat(call("POST", "/api/v1/routes/move", admin, "{\"letters\":\"a-c\",\"to\":\"store2\"}").body()).contains("\"a\":\"store2\"", "\"c\":\"store2\"", "\"d\":\"-\"");
        assertThat(call("POST", "/api/v1/routes/move", admin, "{\"account\":\"alice@example.test\",\"to\":\"store1\"}").body()).contains("\"alice@example.test\":\"store1\"");
        assertThat(call("POST", "/api/v1/routes/move", admin, "{\"letters\":\"a-\",\"to\":\"store1\"}").body()).contains("not a letter or range");
        assertThat(call("POST", "/api/v1/routes/move", admin, "{\"letters\":\"a\",\"to\":\"store9\"}").body()).contains("no store named store9");
        assertThat(call("POST", "/api/v1/routes/move", admin, "{\"to\":\"store1\"}").status()).isEqualTo(400);
        assertThat(call("POST", "/api/v1/routes/rebalance", admin, null).body()).startsWith("{\"moves\":{");
        assertThat(call("POST", "/api/v1/stores", admin, "{\"name\":\"store3\",\"address\":\"127.0.1.3\"}").status()).isEqualTo(201);
        assertThat(get("/api/v1/nodes").body()).contains("\"name\":\"store3\"", "\"state\":\"down\"");
        assertThat(call("POST", "/api/v1/stores/store2/drain", admin, null).body()).contains("\"moves\"");
        assertThat(get("/api/v1/nodes").body()).contains("\"state\":\"draining\"");
        assertThat(call("POST", "/api/v1/stores/store2/undrain", admin, null).status()).isEqualTo(204);
        assertThat(call("POST", "/api/v1/stores/nonesuch/drain", admin, null).status()).isEqualTo(400);

        long id = storage.queue().enqueue(Queue.Envelope.of("alice@example.test", List.of("bob@remote.test")), "blob", now.plusSeconds(3600));
        assertThat(get("/api/v1/queue").body()).contains("\"sender\":\"alice@example.test\"", "\"address\":\"bob@remote.test\"", "\"state\":\"PENDING\"");
        assertThat(call("POST", "/api/v1/queue/" + id + "/retry", admin, null).status()).isEqualTo(204);
        assertThat(call("POST", "/api/v1/queue/x/retry", admin, null).status()).isEqualTo(400);
        assertThat(call("DELETE", "/api/v1/queue/" + id, admin, null).status()).isEqualTo(204);
        assertThat(call("DELETE", "/api/v1/queue/" + id, admin, null).status()).isEqualTo(404);

        assertThat(get("/api/v1/openapi.json").body()).contains("\"openapi\": \"3.1.0\"", "/api/v1/routes/move");
    }

    @Test
    void changesAreAuditedWithWhoMadeThemAndNoPasswords() throws Exception {
        call("POST", "/api/v1/accounts", admin, "{\"address\":\"erin@example.test\",\"password\":\"erin-secret\"}");
        String token = AdminAuth.createToken(storage.directory(), "deploy");
        call("POST", "/api/v1/domains", "Bearer " + token, "{\"name\":\"example.net\"}");
        call("POST", "/api/v1/domains", admin, "{\"name\":\"bad domain\"}"); // refused: not audited
        get("/api/v1/accounts"); // reads are not audited
        var log = storage.directory().auditLog(10);
        assertThat(log).extracting(e -> e.actor() + " " + e.action())
                .containsExactly("token:deploy POST /api/v1/domains", "root@example.test POST /api/v1/accounts");
        assertThat(log.get(1).detail()).contains("erin@example.test").doesNotContain("erin-secret");
        assertThat(get("/api/v1/audit?limit=1").body()).contains("token:deploy").doesNotContain("root@example.test");
    }

    @Test
    void clientsAreToldTheirLettersNameAndOutbox() throws Exception {
        var thunderbird = call("GET", "/mail/config-v1.1.xml?emailaddress=alice@example.test", null, null);
        assertThat(thunderbird.status()).isEqualTo(200);
        assertThat(thunderbird.body()).contains("<incomingServer type=\"imap\">\n      <hostname>maila.example.test</hostname>\n      <port>2993</port>")
                .contains("<hostname>outbox.example.test</hostname>\n      <port>2465</port>").contains("<username>%EMAILADDRESS%</username>");
        assertThat(call("GET", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=7up@example.test", null, null).body()).contains("<hostname>mail0.example.test</hostname>");
        assertThat(call("GET", "/mail/config-v1.1.xml?emailaddress=alice@elsewhere.org", null, null).status()).isEqualTo(400);
        assertThat(call("GET", "/mail/config-v1.1.xml", null, null).status()).isEqualTo(400);

        var outlook = call("POST", "/autodiscover/autodiscover.xml", null, """
                <?xml version="1.0" encoding="utf-8"?>
                <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
                  <Request><EMailAddress>bob@example.test</EMailAddress>
                  <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>
                </Autodiscover>""");
        assertThat(outlook.body()).contains("<Server>mailb.example.test</Server>", "<LoginName>bob@example.test</LoginName>", "<Server>outbox.example.test</Server>");

        var apple = call("GET", "/apple/mailroom.mobileconfig?email=zoe@example.test", null, null);
        assertThat(apple.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/x-apple-aspen-config");
        assertThat(apple.body()).contains("<key>IncomingMailServerHostName</key><string>mailz.example.test</string>", "<string>com.apple.mail.managed</string>");
        assertThat(call("GET", "/apple/mailroom.mobileconfig?email=zoe@example.test", null, null).body()).as("the same UUIDs each time").isEqualTo(apple.body());
    }

    @Test
    void httpsWhenConfigured() throws Exception {
        var config = new Config();
        config.admin.port = 0;
        config.admin.tls = true;
        var tls = mailroom.core.net.TlsContexts.load(null, null, dir, "mail.example.test");
        try (var secure = new AdminServer(config, storage, accounts, tls)) {
            var trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
            trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String type) {}
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String type) {}
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            var client = HttpClient.newBuilder().sslContext(trustAll).build();
            var reply = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + secure.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(reply.body()).isEqualTo("ok");
            assertThat(reply.sslSession()).isPresent();
            int plainStatus;
            try {
                plainStatus = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + secure.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (java.io.IOException e) {
                plainStatus = -1; // the TLS port does not speak plain HTTP
            }
            assertThat(plainStatus).as("no plain HTTP on an HTTPS port").isNotEqualTo(200);
        }
    }
}
