package mailroom.server;

import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** `mailroom user ...` and friends, run as separate processes beside a running node that sees their changes at once. */
class CommandLineTest {
    @TempDir
    Path dir;

    private static void login(TestNode node, String user, String password, String expected) throws Exception {
        try (var t = new Transcript("127.0.0.1", node.pop3())) {
            t.play("""
                    S: +OK
                    C: USER %s
                    S: +OK
                    C: PASS %s
                    S: %s
                    """.formatted(user, password, expected));
        }
    }

    @Test
    void importCreatesManyAccountsAndNamesTheBadLine() throws Exception {
        var ok = ChildProcess.run(dir, "# bench users\nu1@example.test first-password\n\nu2 second-password\n", "user", "import", "-");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo("created 2 accounts\n");
        assertThat(ChildProcess.run(dir, null, "user", "list").out()).contains("u1@example.test", "u2@example.test");
        String hash = mailroom.core.auth.Passwords.hash("migrated-password"); // from another system, say
        var hashed = ChildProcess.run(dir, "u5@example.test " + hash + "\n", "user", "import", "-");
        assertThat(hashed.exitCode()).as(hashed.err()).isZero();
        try (var node = new TestNode(dir.resolve("var"))) {
            login(node, "u5", "migrated-password", "+OK Logged in");
            login(node, "u1", "first-password", "+OK Logged in");
        }
        var bad = ChildProcess.run(dir, "u3 third-password\nu4\n", "user", "import", "-");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("line 2: expected an address and a password");
    }

    @Test
    void aliasesQueueAndDkimFromTheCommandLine() throws Exception {
        try (var sink = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             var node = new TestNode(dir.resolve("var"), c -> {
                 c.delivery.relayHost = "127.0.0.1:" + sink.getLocalPort(); // accepts, never answers: mail stays queued
                 c.delivery.commandTimeout = java.time.Duration.ofSeconds(1);
             })) {
            assertThat(ChildProcess.run(dir, null, "user", "add", "alice", "--password", "alice-password").exitCode()).isZero();
            var alias = ChildProcess.run(dir, null, "alias", "add", "team@example.test", "alice@example.test", "friend@outside.test");
            assertThat(alias.exitCode()).as(alias.err()).isZero();
            assertThat(ChildProcess.run(dir, null, "alias", "list").out()).contains("team@example.test -> alice@example.test, friend@outside.test");
            assertThat(ChildProcess.run(dir, null, "alias", "add", "x@nowhere.test", "alice@example.test").err()).contains("not local");

            try (var t = new mailroom.core.testing.Transcript("127.0.0.1", node.smtp())) {
                t.expect("220");
                t.send("EHLO cli.test").expectReply("250 ");
                t.send("MAIL FROM:<someone@outside.test>").expect("250");
                t.send("RCPT TO:<team@example.test>").expect("250");
                t.send("DATA").expect("354");
                t.send("Subject: for the team\r\n\r\nhi\r\n.").expect("250");
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                    ChildProcess.run(dir, null, "queue", "list").out().contains("attempts 1"));
            var list = ChildProcess.run(dir, null, "queue", "list");
            assertThat(list.out()).contains("from <someone@outside.test>").contains("friend@outside.test").contains("PENDING")
                    .contains("last error: 451").contains("DELIVERED").contains("1 queued");
            long id = Long.parseLong(list.out().split(" ")[0]);
            assertThat(ChildProcess.run(dir, null, "queue", "retry", String.valueOf(id)).out()).isEqualTo("retrying " + id + "\n");
            assertThat(ChildProcess.run(dir, null, "queue", "delete", String.valueOf(id)).out()).isEqualTo("deleted " + id + "\n");
            assertThat(ChildProcess.run(dir, null, "queue", "list").out()).isEqualTo("0 queued\n");
            assertThat(ChildProcess.run(dir, null, "queue", "delete", "999").err()).contains("no queued message 999");

            var dkim = ChildProcess.run(dir, null, "dkim", "generate", "example.test", "--selector", "s2026");
            assertThat(dkim.exitCode()).as(dkim.err()).isZero();
            assertThat(dkim.out()).startsWith("s2026._domainkey.example.test. IN TXT \"v=DKIM1; k=rsa; p=MIIBIjAN");
            assertThat(ChildProcess.run(dir, null, "dkim", "show", "example.test").out()).isEqualTo(dkim.out());
        }
    }

    private static String dig(int port, String name) throws Exception {
        var dig = new ProcessBuilder("dig", "@127.0.0.1", "-p", String.valueOf(port), "+short", name, "A").redirectErrorStream(true).start();
        dig.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        return new String(dig.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    @Test
    void routesAndStoresFromTheCommandLineShowInDnsAtOnce() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            assertThat(ChildProcess.run(dir, null, "user", "add", "alice", "--password", "alice-password").exitCode()).isZero();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> dig(node.node.dnsPort(), "maila.example.test").equals("mailroom.example.test.\n127.0.0.1"));
            // the director places the letters once the stores starting with it have had time to report
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> ChildProcess.run(dir, null, "status").out()
                    .matches("(?s).*mailroom +admin,director,sorter,store +127.0.0.1 +up .* 2  abcdefghijklmnopqrstuvwxyz0.*"));

            assertThat(ChildProcess.run(dir, null, "store", "add", "store2", "127.0.1.2").exitCode()).isZero();
            assertThat(ChildProcess.run(dir, null, "status").out()).containsPattern("store2 +store +127.0.1.2 +DOWN +never");
            assertThat(ChildProcess.run(dir, null, "route", "move", "--letters", "a-c", "--to", "store2").err()).contains("store store2 is down");
            // as if it started: store2 beats every second for the rest of the test, as a live store does
            // (a dozen child JVMs can take longer than node_timeout on a busy machine)
            try (var store2 = new mailroom.directory.Heartbeat(node.node.storage().directory(), "store2", java.util.Set.of("store"), "127.0.1.2",
                    java.time.Duration.ofSeconds(1), java.time.Clock.systemUTC())) {
                var move = ChildProcess.run(dir, null, "route", "move", "--letters", "a-c", "--to", "store2");
                assertThat(move.out()).isEqualTo("maila, mailb, mailc -> store2\n");
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(2)).until(() -> dig(node.node.dnsPort(), "maila.example.test").equals("store2.example.test.\n127.0.1.2"));
                assertThat(dig(node.node.dnsPort(), "maild.example.test")).isEqualTo("mailroom.example.test.\n127.0.0.1");

                assertThat(ChildProcess.run(dir, null, "route", "move", "--account", "postmaster@example.test", "--to", "store2").exitCode()).isZero();
                assertThat(ChildProcess.run(dir, null, "route", "show").out()).contains("maila  store2\n").contains("mailz  mailroom\n").contains("postmaster@example.test  store2\n");
                assertThat(ChildProcess.run(dir, null, "route", "move", "--letters", "a-", "--to", "store2").err()).contains("not a letter or range of letters: \"a-\"");

                assertThat(ChildProcess.run(dir, null, "store", "drain", "store2").out()).contains("maila -> mailroom").contains("mailc -> mailroom");
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(2)).until(() -> dig(node.node.dnsPort(), "mailb.example.test").equals("mailroom.example.test.\n127.0.0.1"));
                assertThat(ChildProcess.run(dir, null, "status").out()).containsPattern("store2 +store +127.0.1.2 +draining");
            }
        }
    }

    private static String curl(String... args) throws Exception {
        var command = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "-w", " %{http_code}"));
        command.addAll(java.util.List.of(args));
        var curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        curl.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        return new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    @Test
    void administratorsAndTokensFromTheCommandLineWithCurlAgainstTheApi() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            String api = "http://127.0.0.1:" + node.node.adminPort() + "/api/v1/domains";
            assertThat(curl("-u", "postmaster@example.test:" + node.postmasterPassword, api)).as("the first account administers").isEqualTo("[\"example.test\"] 200");
            assertThat(ChildProcess.run(dir, null, "user", "add", "alice", "--password", "alice-password").exitCode()).isZero();
            assertThat(curl("-u", "alice@example.test:alice-password", api)).endsWith(" 403");
            assertThat(ChildProcess.run(dir, null, "admin", "grant", "alice@example.test").out()).isEqualTo("alice@example.test is an administrator\n");
            assertThat(curl("-u", "alice@example.test:alice-password", api)).endsWith(" 200");
            assertThat(ChildProcess.run(dir, null, "admin", "revoke", "alice@example.test").exitCode()).isZero();
            assertThat(curl("-u", "alice@example.test:alice-password", api)).endsWith(" 403");

            String token = ChildProcess.run(dir, null, "admin", "token", "create", "deploy").out().strip();
            assertThat(token).startsWith("mr_");
            assertThat(ChildProcess.run(dir, null, "admin", "token", "list").out()).isEqualTo("deploy\n");
            assertThat(curl("-H", "Authorization: Bearer " + token, "-X", "POST", "-H", "Content-Type: application/json",
                    "-d", "{\"address\":\"bob@example.test\",\"password\":\"bob-password\"}", "http://127.0.0.1:" + node.node.adminPort() + "/api/v1/accounts")).endsWith(" 201");
            assertThat(ChildProcess.run(dir, null, "user", "list").out()).contains("bob@example.test");
            assertThat(ChildProcess.run(dir, null, "admin", "token", "delete", "deploy").exitCode()).isZero();
            assertThat(curl("-H", "Authorization: Bearer " + token, api)).endsWith(" 401");
            assertThat(ChildProcess.run(dir, null, "admin", "token", "delete", "deploy").err()).contains("no token deploy");
            assertThat(curl("http://127.0.0.1:" + node.node.adminPort() + "/healthz")).isEqualTo("ok 200");
        }
    }

    @Test
    void accountsAreManagedWhileTheNodeRuns() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            var add = ChildProcess.run(dir, null, "user", "add", "alice@example.test", "--password", "first-password");
            assertThat(add.exitCode()).as(add.err()).isZero();
            assertThat(add.out()).isEqualTo("created alice@example.test\n");
            login(node, "alice", "first-password", "+OK Logged in");

            var viaStdin = ChildProcess.run(dir, "bob-password\n", "user", "add", "bob", "--password-stdin");
            assertThat(viaStdin.exitCode()).as(viaStdin.err()).isZero();
            login(node, "bob@example.test", "bob-password", "+OK Logged in");

            var duplicate = ChildProcess.run(dir, null, "user", "add", "ALICE@example.test", "--password", "whatever-1");
            assertThat(duplicate.exitCode()).isEqualTo(1);
            assertThat(duplicate.err()).isEqualTo("mailroom: account ALICE@example.test already exists\n");

            var weak = ChildProcess.run(dir, null, "user", "add", "carol", "--password", "short");
            assertThat(weak.exitCode()).isEqualTo(1);
            assertThat(weak.err()).isEqualTo("mailroom: a password needs at least 8 characters\n");

            var foreign = ChildProcess.run(dir, null, "user", "add", "carol@elsewhere.test", "--password", "long-enough");
            assertThat(foreign.err()).isEqualTo("mailroom: domain elsewhere.test is not local (add it first)\n");
            assertThat(ChildProcess.run(dir, null, "domain", "add", "elsewhere.test").exitCode()).isZero();
            assertThat(ChildProcess.run(dir, null, "user", "add", "carol@elsewhere.test", "--password", "long-enough").exitCode()).isZero();

            var list = ChildProcess.run(dir, null, "user", "list");
            assertThat(list.out().lines()).containsExactly("carol@elsewhere.test", "alice@example.test", "bob@example.test", "postmaster@example.test");

            var passwd = ChildProcess.run(dir, "second-password\n", "user", "passwd", "alice", "--password-stdin");
            assertThat(passwd.exitCode()).as(passwd.err()).isZero();
            login(node, "alice", "second-password", "+OK Logged in");
            login(node, "alice", "first-password", "-ERR [AUTH]");

            var quota = ChildProcess.run(dir, null, "user", "quota", "alice", "2MB");
            assertThat(quota.out()).isEqualTo("alice@example.test: 0 bytes used, limit 2097152 bytes\n");
            assertThat(node.node.storage().directory().account("alice", "example.test").orElseThrow().quotaBytes()).isEqualTo(2L << 20);
            assertThat(ChildProcess.run(dir, null, "user", "quota", "alice", "lots").err()).isEqualTo("mailroom: not a size: lots\n");

            var delete = ChildProcess.run(dir, null, "user", "delete", "bob@example.test");
            assertThat(delete.out()).isEqualTo("deleted bob@example.test\n");
            login(node, "bob", "bob-password", "-ERR [AUTH]");
            assertThat(ChildProcess.run(dir, null, "user", "delete", "bob@example.test").err()).isEqualTo("mailroom: no account bob@example.test\n");
        }
    }

    @Test
    void aBadConfigurationFailsWithOneLineNamingTheKey() throws Exception {
        Files.writeString(dir.resolve("bad.toml"), "[smtp]\nport = 25\nmax_recipents = 10\n");
        var result = ChildProcess.run(dir, null, "serve", "--config", "bad.toml");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("mailroom: config error: smtp.max_recipents: unknown key\n");
    }

    @Test
    void aTakenPortFailsWithOneLine() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("port.toml"), "[smtp]\nport = %d\n[pop3]\nport = %d\ntls_port = %d\n[imap]\nport = %d\ntls_port = %d\n"
                    .formatted(taken.getLocalPort(), ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort()));
            var result = ChildProcess.run(dir, null, "serve", "--config", "port.toml");
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).startsWith("mailroom: cannot listen on 127.0.0.1 port " + taken.getLocalPort() + ": ").hasLineCount(1);
        }
    }

    @Test
    void aTakenHttpPortFailsWithOneLineWhileTheMailListenersHaveBound() throws Exception {
        // JMAP and the admin API start on threads of their own beside the mail listeners; their failure is still the start's one line.
        for (String section : List.of("jmap", "admin")) {
            try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                int jmap = section.equals("jmap") ? taken.getLocalPort() : ChildProcess.freePort();
                int admin = section.equals("admin") ? taken.getLocalPort() : ChildProcess.freePort();
                Files.writeString(dir.resolve("http.toml"), """
                        [smtp]
                        port = %d
                        [submission]
                        port = %d
                        tls_port = %d
                        [lmtp]
                        port = %d
                        [pop3]
                        port = %d
                        tls_port = %d
                        [imap]
                        port = %d
                        tls_port = %d
                        [sieve]
                        port = %d
                        [director]
                        dns_port = %d
                        [jmap]
                        port = %d
                        [admin]
                        port = %d
                        """.formatted(ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(),
                        ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(), ChildProcess.freePort(),
                        ChildProcess.freePort(), ChildProcess.freePort(), jmap, admin));
                var result = ChildProcess.run(dir, null, "serve", "--config", "http.toml");
                assertThat(result.exitCode()).as(section).isEqualTo(1);
                assertThat(result.err()).as(section).startsWith("mailroom: cannot listen on 127.0.0.1 port " + taken.getLocalPort() + ": ").hasLineCount(1);
            }
        }
    }

    @Test
    void aNodeWhoseDatabaseMembersAreAllUnreachableSaysWhichItTriedInOneLine() throws Exception {
        Path config = dir.resolve("cluster.toml");
        Files.writeString(config, """
                [node]
                data_dir = "var"
                roles = ["store"]
                [storage]
                backend = "postgres"
                url = "jdbc:postgresql://127.0.4.201:5432,127.0.4.202:5432/mailroom?targetServerType=primary"
                password = "unused"
                """);
        var serve = ChildProcess.run(dir, null, "serve", "--config", config.toString());
        assertThat(serve.exitCode()).isEqualTo(1);
        assertThat(serve.err().lines().filter(l -> l.startsWith("mailroom: ")).toList())
                .containsExactly("mailroom: cannot reach a primary PostgreSQL among 127.0.4.201:5432, 127.0.4.202:5432 (database mailroom): Connection refused");
        var status = ChildProcess.run(dir, null, "db", "status", "--config", config.toString());
        assertThat(status.exitCode()).as("no primary").isEqualTo(1);
        assertThat(status.out()).contains("127.0.4.201:5432", "127.0.4.202:5432", "unreachable");
    }
}
