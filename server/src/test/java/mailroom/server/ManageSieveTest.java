package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ManageSieve (RFC 5804) on a running node: a transcript of every command and its errors, SCRAM
 * as RFC 5802 tells a client to compute it, and sieve-connect (a client people use) over STARTTLS.
 */
class ManageSieveTest {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        var accounts = new Accounts(node.node.storage(), "example.test");
        accounts.create("alice", "alice-password");
        accounts.create("bob", "bob-password");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** Sends a command and returns the lines up to and including the OK, NO or BYE that ends it. */
    private static List<String> exchange(LineClient c, String command) throws Exception {
        if (command != null) c.send(command);
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = c.in().readLine();
            if (line == null) throw new AssertionError("connection closed after " + lines);
            lines.add(line);
            if (line.matches("\\{\\d+}")) { // a literal: its octets, then the line goes on
                char[] octets = new char[Integer.parseInt(line.substring(1, line.length() - 1))];
                for (int read = 0; read < octets.length; ) read += c.in().read(octets, read, octets.length - read);
                lines.add(new String(octets));
                continue;
            }
            if (line.startsWith("OK") || line.startsWith("NO") || line.startsWith("BYE")) return lines;
        }
    }

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String literal(String script) {
        return "{" + script.getBytes(StandardCharsets.UTF_8).length + "+}\r\n" + script;
    }

    @Test
    void everyCommandAndItsErrors() throws Exception {
        try (var c = LineClient.connect("127.0.0.1", node.node.manageSievePort())) {
            List<String> greeting = exchange(c, null);
            assertThat(greeting).contains("\"IMPLEMENTATION\" \"Mailroom\"", "\"VERSION\" \"1.0\"", "\"STARTTLS\"", "\"SASL\" \"PLAIN SCRAM-SHA-256\"");
            assertThat(greeting).anyMatch(l -> l.startsWith("\"SIEVE\" \"fileinto reject ereject envelope body variables imap4flags"));
            assertThat(last(greeting)).startsWith("OK");

            assertThat(last(exchange(c, "LISTSCRIPTS"))).isEqualTo("NO \"Authenticate first\"");
            assertThat(last(exchange(c, "FLY \"away\""))).startsWith("NO \"Unknown command FLY\"");
            assertThat(last(exchange(c, "NOOP \"tag-1\""))).isEqualTo("OK (TAG \"tag-1\") \"Done\"");
            assertThat(last(exchange(c, "AUTHENTICATE \"PLAIN\" \"" + plain("alice", "wrong") + "\""))).isEqualTo("NO \"Authentication failed\"");
            assertThat(last(exchange(c, "AUTHENTICATE \"GSSAPI\""))).startsWith("NO \"Unsupported mechanism");
            // PLAIN without an initial response: an empty challenge, then the answer as a string.
            c.send("AUTHENTICATE \"PLAIN\"");
            assertThat(c.in().readLine()).isEqualTo("\"\"");
            assertThat(last(exchange(c, "\"" + plain("alice", "alice-password") + "\""))).isEqualTo("OK \"Logged in\"");
            assertThat(last(exchange(c, "AUTHENTICATE \"PLAIN\" \"x\""))).isEqualTo("NO \"Already authenticated\"");

            assertThat(exchange(c, "LISTSCRIPTS")).containsExactly("OK \"Listscripts completed\"");
            String broken = "require \"fileinto\";\nif header :contains \"Subject\" \"x\" {\n  fileinto \"A\"\n}\n";
            assertThat(last(exchange(c, "PUTSCRIPT \"rules\" " + literal(broken)))).isEqualTo("NO \"line 4: expected ';' or '{' after fileinto, found '}'\"");
            assertThat(last(exchange(c, "CHECKSCRIPT " + literal("keep;\nfileinto \"x\";\n")))).isEqualTo("NO \"line 2: fileinto needs require \\\"fileinto\\\"\"");
            assertThat(last(exchange(c, "CHECKSCRIPT \"keep;\""))).isEqualTo("OK \"Script is valid\"");
            String rules = "require \"fileinto\";\nif header :contains \"Subject\" \"[lists]\" {\n  fileinto \"Lists\";\n}\n";
            assertThat(last(exchange(c, "PUTSCRIPT \"rules\" " + literal(rules)))).isEqualTo("OK \"Script stored\"");
            assertThat(last(exchange(c, "PUTSCRIPT \"other\" \"discard;\""))).isEqualTo("OK \"Script stored\"");
            assertThat(last(exchange(c, "SETACTIVE \"missing\""))).isEqualTo("NO (NONEXISTENT) \"There is no script named missing\"");
            assertThat(last(exchange(c, "SETACTIVE \"rules\""))).isEqualTo("OK \"Script activated\"");
            assertThat(exchange(c, "LISTSCRIPTS")).containsExactly("\"other\"", "\"rules\" ACTIVE", "OK \"Listscripts completed\"");
            assertThat(exchange(c, "GETSCRIPT \"rules\"")).containsExactly("{" + rules.length() + "}", rules, "", "OK \"Getscript completed\"");
            assertThat(last(exchange(c, "GETSCRIPT \"missing\""))).startsWith("NO (NONEXISTENT)");

            assertThat(last(exchange(c, "HAVESPACE \"big\" 10000000"))).startsWith("NO (QUOTA/MAXSIZE)");
            assertThat(last(exchange(c, "HAVESPACE \"rules\" 100"))).isEqualTo("OK \"Putscript would succeed\"");
            assertThat(last(exchange(c, "HAVESPACE \"rules\""))).startsWith("NO \"HAVESPACE takes 2 arguments");
            assertThat(last(exchange(c, "PUTSCRIPT \"big\" " + literal("#".repeat(70 * 1024))))).startsWith("NO (QUOTA/MAXSIZE)");
            assertThat(last(exchange(c, "NOOP"))).isEqualTo("OK \"Done\""); // the big literal was consumed whole

            assertThat(last(exchange(c, "DELETESCRIPT \"rules\""))).isEqualTo("NO (ACTIVE) \"The active script cannot be deleted\"");
            assertThat(last(exchange(c, "RENAMESCRIPT \"other\" \"rules\""))).startsWith("NO (ALREADYEXISTS)");
            assertThat(last(exchange(c, "RENAMESCRIPT \"missing\" \"x\""))).startsWith("NO (NONEXISTENT)");
            assertThat(last(exchange(c, "RENAMESCRIPT \"rules\" \"my rules\""))).isEqualTo("OK \"Script renamed\"");
            assertThat(exchange(c, "LISTSCRIPTS")).containsExactly("\"my rules\" ACTIVE", "\"other\"", "OK \"Listscripts completed\"");
            assertThat(last(exchange(c, "PUTSCRIPT \"\" \"keep;\""))).isEqualTo("NO \"Invalid script name\"");
            assertThat(last(exchange(c, "DELETESCRIPT \"other\""))).isEqualTo("OK \"Script deleted\"");
            assertThat(last(exchange(c, "DELETESCRIPT \"other\""))).startsWith("NO (NONEXISTENT)");
            assertThat(last(exchange(c, "SETACTIVE \"\""))).isEqualTo("OK \"No script is active now\"");
            assertThat(exchange(c, "LISTSCRIPTS")).containsExactly("\"my rules\"", "OK \"Listscripts completed\"");
            assertThat(last(exchange(c, "PUTSCRIPT rules \"keep;\""))).startsWith("NO \"Unexpected rules: strings must be quoted");
            assertThat(last(exchange(c, "PUTSCRIPT \"unterminated"))).isEqualTo("NO \"Unterminated quoted string\"");

            assertThat(exchange(c, "CAPABILITY")).contains("\"OWNER\" \"alice@example.test\"");
            assertThat(last(exchange(c, "UNAUTHENTICATE"))).startsWith("OK");
            assertThat(last(exchange(c, "LISTSCRIPTS"))).isEqualTo("NO \"Authenticate first\"");
            assertThat(last(exchange(c, "LOGOUT"))).matches("OK \".+ logging out\"");
            assertThat(c.in().readLine()).isNull();
        }
        // Another account sees none of alice's scripts.
        try (var c = LineClient.connect("127.0.0.1", node.node.manageSievePort())) {
            exchange(c, null);
            assertThat(last(exchange(c, "AUTHENTICATE \"PLAIN\" \"" + plain("bob", "bob-password") + "\""))).startsWith("OK");
            assertThat(exchange(c, "LISTSCRIPTS")).containsExactly("OK \"Listscripts completed\"");
        }
    }

    @Test
    void scramSha256() throws Exception {
        try (var c = LineClient.connect("127.0.0.1", node.node.manageSievePort())) {
            exchange(c, null);
            String clientFirstBare = "n=alice,r=sieveclientnonce0123";
            c.send("AUTHENTICATE \"SCRAM-SHA-256\" \"" + b64("n,," + clientFirstBare) + "\"");
            String serverFirst = unb64(unquote(c.in().readLine()));
            String nonce = serverFirst.split(",")[0].substring(2);
            byte[] salt = Base64.getDecoder().decode(serverFirst.split(",")[1].substring(2));
            int iterations = Integer.parseInt(serverFirst.split(",")[2].substring(2));
            assertThat(nonce).startsWith("sieveclientnonce0123");

            byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec("alice-password".toCharArray(), salt, iterations, 256)).getEncoded();
            byte[] clientKey = hmac(salted, "Client Key");
            String withoutProof = "c=biws,r=" + nonce;
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] signature = hmac(MessageDigest.getInstance("SHA-256").digest(clientKey), authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
            String ok = last(exchange(c, "\"" + b64(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)) + "\""));
            String serverSignature = Base64.getEncoder().encodeToString(hmac(hmac(salted, "Server Key"), authMessage));
            assertThat(ok).isEqualTo("OK (SASL \"" + b64("v=" + serverSignature) + "\") \"Logged in\"");
            assertThat(last(exchange(c, "LISTSCRIPTS"))).startsWith("OK");
        }
        try (var c = LineClient.connect("127.0.0.1", node.node.manageSievePort())) { // a wrong proof
            exchange(c, null);
            c.send("AUTHENTICATE \"SCRAM-SHA-256\" \"" + b64("n,,n=alice,r=abc") + "\"");
            String serverFirst = unb64(unquote(c.in().readLine()));
            String wrong = "c=biws,r=" + serverFirst.split(",")[0].substring(2) + ",p=" + Base64.getEncoder().encodeToString(new byte[32]);
            assertThat(last(exchange(c, "\"" + b64(wrong) + "\""))).isEqualTo("NO \"Authentication failed\"");
        }
    }

    @Test
    void sieveConnectUploadsListsActivatesAndDownloadsOverStartTls() throws Exception {
        Path script = dir.resolve("vacation.sieve");
        Files.writeString(script, "require \"vacation\";\nvacation :days 3 \"I am away until Monday.\";\n");
        assertThat(sieveConnect("--upload", "--localsieve", script.toString(), "--remotesieve", "away").exitCode()).isZero();
        assertThat(sieveConnect("--activate", "--remotesieve", "away").exitCode()).isZero();
        var list = sieveConnect("--list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("away");
        assertThat(node.node.storage().sieve().active(new Accounts(node.node.storage(), "example.test").find("alice").orElseThrow().id()))
                .hasValueSatisfying(a -> assertThat(a.name()).isEqualTo("away"));
        Path back = dir.resolve("back.sieve");
        assertThat(sieveConnect("--download", "--remotesieve", "away", "--localsieve", back.toString()).exitCode()).isZero();
        assertThat(Files.readString(back)).isEqualTo(Files.readString(script));

        Path invalid = dir.resolve("invalid.sieve");
        Files.writeString(invalid, "vacation \"x\";\n");
        var refused = sieveConnect("--upload", "--localsieve", invalid.toString(), "--remotesieve", "broken");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.out() + refused.err()).contains("line 1: vacation needs require");
    }

    private ProcessResult sieveConnect(String... action) throws Exception {
        List<String> command = new ArrayList<>(List.of("sieve-connect", "--server", "127.0.0.1", "--port", String.valueOf(node.node.manageSievePort()),
                "--user", "alice", "--passwordfd", "0", "--notlsverify", "--authmech", "PLAIN"));
        command.addAll(List.of(action));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        try {
            p.getOutputStream().write("alice-password\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            return new ProcessResult(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private record ProcessResult(int exitCode, String out, String err) {}

    private static String unquote(String s) {
        assertThat(s).startsWith("\"").endsWith("\"");
        return s.substring(1, s.length() - 1);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
}
