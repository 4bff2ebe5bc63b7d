package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An independent JMAP client against a node: jmap-jam (npm), installed from the registry into
 * target/ on first use and driven by a small Node script (src/test/resources/jmap-jam/client.mjs).
 * It logs in with a bearer token, lists mailboxes, queries, fetches, flags, receives push, moves,
 * and sends through EmailSubmission. Skipped where the machine has no node or npm.
 */
class JmapClientsTest {
    static final Path JAM = Path.of("target", "jmap-jam");

    @TempDir
    Path dir;
    TestNode node;
    Account alice;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        var accounts = new Accounts(node.node.storage(), "example.test");
        alice = accounts.create("alice", "alice-password");
        accounts.create("bob", "bob-password");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private static int run(Path workDir, Map<String, String> env, StringBuilder output, String... command) throws Exception {
        var pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            return -1; // not installed
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        output.append(new String(out, StandardCharsets.UTF_8));
        return p.exitValue();
    }

    /** The JSON lines a script printed, by their "step". */
    private static Map<String, JsonNode> steps(CharSequence out) throws Exception {
        Map<String, JsonNode> steps = new HashMap<>();
        for (String line : out.toString().split("\n")) {
            if (line.startsWith("{")) {
                JsonNode n = JmapHttp.JSON.readTree(line);
                steps.put(n.get("step").asText(), n);
            }
        }
        return steps;
    }

    /** Installs jmap-jam 0.13.1 under target/ (once), with the script beside it. */
    private static void installJam() throws Exception {
        Files.createDirectories(JAM);
        for (String script : List.of("client.mjs", "shared.mjs")) {
            Files.copy(Path.of("src/test/resources/jmap-jam", script), JAM.resolve(script), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(JAM.resolve("node_modules/jmap-jam/package.json"))) return;
        Files.writeString(JAM.resolve("package.json"), "{\"name\": \"mailroom-jmap-jam-test\", \"private\": true, \"type\": \"module\"}\n");
        var out = new StringBuilder();
        int code = run(JAM, Map.of(), out, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "jmap-jam@0.13.1");
        assertThat(code).as("npm install jmap-jam (./run-tests installs node and npm): " + out).isZero();
    }

    @Test
    void jmapJamReadsFlagsMovesSendsAndHearsPush() throws Exception {
        var version = new StringBuilder();
        assertThat(run(Path.of("."), Map.of(), version, "node", "--version")).as("node (./run-tests installs it)").isZero();
        installJam();
        LineClient.sendMail("127.0.0.1", node.smtp(), "bob@example.net", "alice@example.test", "first");
        LineClient.sendMail("127.0.0.1", node.smtp(), "bob@example.net", "alice@example.test", "second");
        node.awaitDelivered();
        var jmap = new JmapHttp(node.jmap(), "alice@example.test", "alice-password");
        String token = JmapHttp.JSON.readTree(jmap.post("/jmap/token", "application/json", new byte[0]).body()).get("token").asText();
        var out = new StringBuilder();
        // The node's certificate is self-signed; the script is told to accept it.
        int code = run(JAM, Map.of("NODE_TLS_REJECT_UNAUTHORIZED", "0"), out, "node", "client.mjs",
                "https://127.0.0.1:" + node.jmap() + "/.well-known/jmap", token);
        assertThat(code).as(out.toString()).isZero();
        Map<String, JsonNode> steps = steps(out);
        assertThat(steps.get("mailboxes").get("names").toString()).contains("INBOX", "Sent", "Drafts");
        assertThat(steps.get("inbox").get("subjects").toString()).contains("first", "second");
        assertThat(steps.get("push").get("initialType").asText()).isEqualTo("StateChange");
        assertThat(steps.get("push").get("changed").toString()).contains("Email");
        assertThat(steps.get("flagged").get("count").asInt()).isEqualTo(1);
        assertThat(steps.get("moved").get("archived").asInt()).isEqualTo(1);
        assertThat(steps.get("sent").get("draft").toString()).as(steps.get("sent").toString()).contains("d");
        assertThat(steps.get("sent").get("updatedAfterSending")).as(steps.get("sent").toString()).hasSize(1);
        assertThat(steps.get("sent").get("identity").asText()).isEqualTo("alice@example.test");
        assertThat(steps.get("identity").get("created").toString()).as(steps.get("identity").toString()).contains("w");
        assertThat(steps.get("identity").get("emails").toString()).contains("alice+work@example.test");
        assertThat(steps.get("thread").get("emailIds")).as(steps.get("thread").toString()).hasSize(1);
        assertThat(steps.get("thread").get("copied").toString()).contains("c");
        assertThat(steps.get("held").get("undoStatus").asText()).as(steps.get("held").toString()).isEqualTo("pending");
        assertThat(steps.get("held").get("canceled")).hasSize(1);
        node.awaitDelivered();
        var bob = node.node.storage().mail();
        long bobId = node.node.storage().directory().account("bob", "example.test").orElseThrow().id();
        var inbox = bob.mailbox(bobId, "INBOX").orElseThrow();
        assertThat(bob.messages(bobId, inbox.id())).hasSize(1);
    }

    /** The same client as a reader of a mailbox shared with it (RFC 9670): the other account, its rights, its own \Seen, a copy home. */
    @Test
    void jmapJamWorksInAnAccountThatSharesAMailboxWithIt() throws Exception {
        installJam();
        LineClient.sendMail("127.0.0.1", node.smtp(), "friend@example.net", "alice@example.test", "shared one");
        node.awaitDelivered();
        var shares = new mailroom.storage.sharing.Shares(new Accounts(node.node.storage(), "example.test"));
        shares.share(shares.mailbox("alice@example.test"), "bob@example.test", "lrs");
        var jmap = new JmapHttp(node.jmap(), "bob@example.test", "bob-password");
        String token = JmapHttp.JSON.readTree(jmap.post("/jmap/token", "application/json", new byte[0]).body()).get("token").asText();
        var out = new StringBuilder();
        int code = run(JAM, Map.of("NODE_TLS_REJECT_UNAUTHORIZED", "0"), out, "node", "shared.mjs",
                "https://127.0.0.1:" + node.jmap() + "/.well-known/jmap", token);
        assertThat(code).as(out.toString()).isZero();
        Map<String, JsonNode> steps = steps(out);
        assertThat(steps.get("accounts").get("name").asText()).isEqualTo("alice@example.test");
        assertThat(steps.get("accounts").get("count").asInt()).isEqualTo(2);
        assertThat(steps.get("mailboxes").get("names").toString()).isEqualTo("[\"INBOX\"]");
        assertThat(steps.get("mailboxes").get("rights").get("maySetSeen").asBoolean()).isTrue();
        assertThat(steps.get("mailboxes").get("rights").get("maySetKeywords").asBoolean()).isFalse();
        assertThat(steps.get("emails").get("subjects").toString()).contains("shared one");
        assertThat(steps.get("keywords").get("seen")).hasSize(1);
        assertThat(steps.get("keywords").get("flagRefused").asText()).isEqualTo("forbidden");
        assertThat(steps.get("copied").get("created").toString()).contains("c");
        assertThat(steps.get("copied").get("inOwnInbox").asInt()).isEqualTo(1);
        var inbox = node.node.storage().mail().mailbox(alice.id(), "INBOX").orElseThrow();
        assertThat(node.node.storage().mail().messages(alice.id(), inbox.id()).get(0).flags()).as("alice's own \\Seen stays").doesNotContain("\\Seen");
    }
}
