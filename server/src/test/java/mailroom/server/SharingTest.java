package mailroom.server;

import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.sharing.Rights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared mailboxes and delegation end to end (issue 18): the administrator's `mailroom share` and
 * `mailroom group`, the admin API, people sharing with each other over IMAP with Python's imaplib,
 * sending as a role account with smtplib, and Sieve filing into a shared mailbox.
 */
class SharingTest {
    @TempDir
    Path dir;

    @Test
    void theCommandLineMakesARoleAccountAGroupAndShares() throws Exception {
        assertThat(run("user", "add", "alice", "--password", "alice-password").exitCode()).isZero();
        assertThat(run("user", "add", "bob", "--password", "bob-password").exitCode()).isZero();
        assertThat(run("user", "add", "helpdesk", "--role").out()).contains("created role account helpdesk@example.test");
        assertThat(run("group", "add", "desk", "alice", "bob@example.test").out()).contains("group desk: alice@example.test bob@example.test");
        assertThat(run("share", "helpdesk@example.test", "--with", "$desk", "--rights", "lrswipte").out())
                .contains("helpdesk@example.test/INBOX: $desk may lrswipte");
        assertThat(run("share", "alice@example.test/Sent", "--with", "bob", "--rights", "lr", "--seen", "shared").out()).contains("bob may lr");

        String shown = run("share", "helpdesk@example.test").out();
        assertThat(shown).contains("helpdesk@example.test/INBOX (owner helpdesk@example.test, \\Seen per reader)").containsPattern("\\$desk +lrswipte");
        assertThat(run("share", "alice@example.test/Sent").out()).contains("\\Seen shared").containsPattern("bob@example.test +lr");

        // bad input: one clear line each, and nothing changes
        assertThat(run("share", "helpdesk@example.test", "--with", "$desk", "--rights", "lrz").err()).isEqualTo("mailroom: rights are letters of lrswipkxtea (RFC 4314), not \"lrz\"\n");
        assertThat(run("share", "helpdesk@example.test", "--with", "$nobody", "--rights", "lr").err()).isEqualTo("mailroom: no group nobody\n");
        assertThat(run("share", "helpdesk@example.test/Nowhere", "--with", "bob", "--rights", "lr").err()).isEqualTo("mailroom: no mailbox Nowhere in helpdesk@example.test\n");
        assertThat(run("share", "alice@example.test", "--with", "alice", "--rights", "lr").err()).contains("owns the mailbox and always holds every right");
        assertThat(run("group", "add", "Bad Name").err()).contains("a group name is lower-case letters");
        assertThat(run("share", "helpdesk@example.test").out()).containsPattern("\\$desk +lrswipte");

        assertThat(run("share", "alice@example.test/Sent", "--with", "bob", "--rights", "none").out()).contains("bob has no rights");
        assertThat(run("group", "remove", "desk", "alice").out()).contains("group desk: bob@example.test");
        assertThat(run("group", "list").out()).isEqualTo("desk: bob@example.test\n");
        assertThat(run("group", "delete", "desk").out()).contains("deleted group desk");
        assertThat(run("share", "helpdesk@example.test").out()).doesNotContain("$desk");
    }

    private ChildProcess.Result run(String... args) throws Exception {
        return ChildProcess.run(dir, null, args);
    }

    @Test
    void peopleShareOverImapEachWithTheirOwnSeenAndRightsHold() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            var accounts = new Accounts(node.node.storage(), "example.test");
            Account alice = accounts.create("alice", "alice-password");
            accounts.create("bob", "bob-password");
            accounts.create("carol", "carol-password");
            String script = """
                    import imaplib, ssl, sys
                    port = int(sys.argv[1])
                    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                    def login(user):
                        m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
                        assert m.login(user, user + "-password")[0] == "OK"
                        return m
                    alice, bob, carol = login("alice"), login("bob"), login("carol")
                    assert alice.create("Projects")[0] == "OK"
                    assert alice.append("Projects", None, None, b"Subject: plan\\r\\n\\r\\nthe plan\\r\\n")[0] == "OK"
                    assert alice.setacl("Projects", "bob", "lrswi")[0] == "OK"
                    assert alice.setacl("Projects", "carol", "l")[0] == "OK"
                    typ, data = alice.getacl("Projects")
                    assert b"bob@example.test lrswi" in data[0] and b"carol@example.test l" in data[0], data

                    typ, data = bob.namespace()
                    assert b'(("Other Users/" "/"))' in data[0], data
                    typ, data = bob.list('""', '"Other Users/*"')
                    assert any(b'"Other Users/alice/Projects"' in line for line in data), data
                    assert not any(b'INBOX' in line for line in data), data
                    typ, data = bob.myrights('"Other Users/alice/Projects"')
                    assert data[0].endswith(b" lrswi"), data
                    typ, data = bob.select('"Other Users/alice/Projects"')
                    assert typ == "OK" and data == [b"1"], (typ, data)
                    typ, data = bob.fetch("1", "(BODY[TEXT])")
                    assert b"the plan" in data[0][1], data
                    typ, data = bob.fetch("1", "(FLAGS)")
                    assert b"\\\\Seen" in data[0], data
                    assert bob.store("1", "+FLAGS", "(\\\\Flagged)")[0] == "OK"
                    assert bob.append('"Other Users/alice/Projects"', None, None, b"Subject: notes\\r\\n\\r\\nbob's notes\\r\\n")[0] == "OK"

                    # alice has not read it: bob's \\Seen is his own; his \\Flagged is everyone's
                    typ, data = alice.status("Projects", "(MESSAGES UNSEEN)")
                    assert b"MESSAGES 2 UNSEEN 2" in data[0], data
                    alice.select("Projects")
                    typ, data = alice.fetch("1", "(FLAGS)")
                    assert b"\\\\Flagged" in data[0] and b"\\\\Seen" not in data[0], data

                    # carol may see the name and nothing more
                    typ, data = carol.select('"Other Users/alice/Projects"')
                    assert typ == "NO" and b"NOPERM" in data[0], (typ, data)
                    typ, data = carol.getacl('"Other Users/alice/Projects"')
                    assert typ == "NO" and b"NOPERM" in data[0], (typ, data)
                    for m in (alice, bob, carol): m.logout()
                    print("sharing ok")
                    """;
            Path file = dir.resolve("share.py");
            Files.writeString(file, script);
            var process = new ProcessBuilder("python3", file.toString(), String.valueOf(node.imaps())).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(output).contains("sharing ok");
            var projects = node.node.storage().mail().mailbox(alice.id(), "Projects").orElseThrow();
            assertThat(node.node.storage().mail().messages(alice.id(), projects.id())).hasSize(2);
        }
    }

    @Test
    void aHelpDeskMemberSendsAsTheDeskAndItsRulesFileIntoTheDesk() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            var storage = node.node.storage();
            var accounts = new Accounts(storage, "example.test");
            Account alice = accounts.create("alice", "alice-password");
            Account bob = accounts.create("bob", "bob-password");
            accounts.create("carol", "carol-password");
            Account desk = accounts.createWithHash("helpdesk", "");
            storage.sharing().createGroup("desk");
            storage.sharing().setMember("desk", bob.id(), true);
            var deskInbox = storage.mail().mailbox(desk.id(), Mailbox.INBOX).orElseThrow();
            storage.sharing().setRights(desk.id(), deskInbox.id(), "$desk", new Rights("lrswipte"));

            String script = """
                    import smtplib, ssl, sys
                    port = int(sys.argv[1])
                    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                    message = "From: Help Desk <helpdesk@example.test>\\r\\nTo: alice@example.test\\r\\nSubject: your ticket\\r\\n\\r\\nfixed\\r\\n"
                    with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx) as s:
                        s.login("bob", "bob-password")
                        s.sendmail("helpdesk@example.test", ["alice@example.test"], message)
                    with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx) as s:
                        s.login("carol", "carol-password")
                        try:
                            s.sendmail("helpdesk@example.test", ["alice@example.test"], message)
                            raise SystemExit("carol sent as the help desk")
                        except smtplib.SMTPSenderRefused as e:
                            assert e.smtp_code == 553, e
                    print("delegation ok")
                    """;
            Path file = dir.resolve("send.py");
            Files.writeString(file, script);
            var process = new ProcessBuilder("python3", file.toString(), String.valueOf(node.submissions())).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(output).contains("delegation ok");

            // the desk's Sent has the copy, and what alice gets names bob as the sender
            var sent = storage.mail().mailbox(desk.id(), "Sent").orElseThrow();
            assertThat(storage.mail().messages(desk.id(), sent.id())).hasSize(1);
            assertThat(storage.mail().messages(bob.id(), storage.mail().mailbox(bob.id(), "Sent").orElseThrow().id())).isEmpty();
            var inbox = storage.mail().mailbox(alice.id(), Mailbox.INBOX).orElseThrow();
            MessageSummary got = await(() -> storage.mail().messages(alice.id(), inbox.id()), 1).get(0);
            String delivered = new String(storage.blobs().read(got.blobId()), StandardCharsets.UTF_8);
            assertThat(delivered).contains("Sender: bob@example.test\r\n").contains("From: Help Desk <helpdesk@example.test>");

            // bob's rules may file into the desk, which lets the desk's members post ("p"); carol's may not
            for (Account a : List.of(bob, storage.directory().account("carol", "example.test").orElseThrow())) {
                storage.sieve().put(a.id(), "rules", "require \"fileinto\";\nfileinto \"Shared/helpdesk/INBOX\";\n");
                storage.sieve().activate(a.id(), "rules");
            }
            LineClient.sendMail("127.0.0.1", node.smtp(), "someone@remote.test", "bob@example.test", "for the desk");
            LineClient.sendMail("127.0.0.1", node.smtp(), "someone@remote.test", "carol@example.test", "not for the desk");
            await(() -> storage.mail().messages(desk.id(), deskInbox.id()), 1);
            long carol = storage.directory().account("carol", "example.test").orElseThrow().id();
            await(() -> storage.mail().messages(carol, storage.mail().mailbox(carol, Mailbox.INBOX).orElseThrow().id()), 1);
            assertThat(storage.mail().messages(desk.id(), deskInbox.id())).hasSize(1);
        }
    }

    @Test
    void theAdminApiSharesAndKeepsGroups() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            var accounts = new Accounts(node.node.storage(), "example.test");
            accounts.create("alice", "alice-password");
            accounts.create("bob", "bob-password");
            java.util.function.BiFunction<String, String[], HttpResponse<String>> call = new AdminHttp(node, "api/v1/")::call;
            assertThat(call.apply("groups/desk", new String[]{"PUT", "{\"members\": [\"alice@example.test\", \"bob\"]}"}).body())
                    .isEqualTo("{\"name\":\"desk\",\"members\":[\"alice@example.test\",\"bob@example.test\"]}");
            var shared = call.apply("accounts/alice@example.test/shares", new String[]{"PUT", "{\"mailbox\": \"INBOX\", \"with\": \"$desk\", \"rights\": \"lr\"}"});
            assertThat(shared.statusCode()).isEqualTo(200);
            assertThat(shared.body()).isEqualTo("{\"mailbox\":\"INBOX\",\"with\":\"$desk\",\"rights\":\"lr\",\"seen\":\"private\"}");
            assertThat(call.apply("accounts/alice@example.test/shares", new String[]{"GET"}).body())
                    .isEqualTo("[{\"mailbox\":\"INBOX\",\"with\":\"$desk\",\"rights\":\"lr\"}]");
            var bad = call.apply("accounts/alice@example.test/shares", new String[]{"PUT", "{\"with\": \"bob\", \"rights\": \"lr!\"}"});
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("rights are letters of lrswipkxtea");
            assertThat(call.apply("accounts/alice@example.test/shares", new String[]{"PUT", "{\"with\": \"nobody\", \"rights\": \"lr\"}"}).statusCode()).isEqualTo(400);
            assertThat(call.apply("groups/desk/members/alice@example.test", new String[]{"DELETE"}).statusCode()).isEqualTo(204);
            assertThat(call.apply("groups", new String[]{"GET"}).body()).isEqualTo("{\"desk\":[\"bob@example.test\"]}");
            assertThat(call.apply("groups/desk", new String[]{"DELETE"}).statusCode()).isEqualTo(204);
            assertThat(call.apply("groups/desk", new String[]{"DELETE"}).statusCode()).isEqualTo(404);
            assertThat(call.apply("accounts/alice@example.test/shares", new String[]{"GET"}).body()).isEqualTo("[]");

            // the console's sharing card: a group made, a mailbox shared with it, the list shown
            WebDriver driver = ConsoleTest.chromium(dir.resolve("chromium-profile"));
            try {
                var wait = new WebDriverWait(driver, Duration.ofSeconds(30)); // generous: the suite shares two cores with Chromium
                driver.get("http://127.0.0.1:" + node.node.adminPort() + "/");
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login")));
                driver.findElement(By.id("user")).sendKeys("postmaster@example.test");
                driver.findElement(By.id("password")).sendKeys(node.postmasterPassword);
                driver.findElement(By.cssSelector("#login button")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("group-name"))).sendKeys("team");
                driver.findElement(By.id("group-member")).sendKeys("bob@example.test");
                driver.findElement(By.cssSelector("#group-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("groups"), "bob@example.test"));
                driver.findElement(By.id("sharing-account")).sendKeys("alice@example.test");
                driver.findElement(By.id("sharing-with")).sendKeys("$team");
                driver.findElement(By.id("sharing-rights")).sendKeys("lrs");
                driver.findElement(By.cssSelector("#sharing-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sharing-status"), "$team may lrs in INBOX."));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("shares"), "$team"));
                driver.findElement(By.id("sharing-rights")).clear();
                driver.findElement(By.id("sharing-rights")).sendKeys("lrq");
                driver.findElement(By.cssSelector("#sharing-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sharing-status"), "rights are letters of lrswipkxtea"));
            } finally {
                ConsoleTest.screenshot(driver, "console-sharing"); // also when a wait failed: what the page showed then
                driver.quit();
            }
            assertThat(call.apply("accounts/alice@example.test/shares", new String[]{"GET"}).body())
                    .isEqualTo("[{\"mailbox\":\"INBOX\",\"with\":\"$team\",\"rights\":\"lrs\"}]");
        }
    }

    private static <T> List<T> await(java.util.function.Supplier<List<T>> read, int size) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            List<T> now = read.get();
            if (now.size() >= size) return now;
            Thread.sleep(50);
        }
        throw new AssertionError("still not " + size + " after 20 s");
    }
}
