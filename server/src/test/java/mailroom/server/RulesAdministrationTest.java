package mailroom.server;

import mailroom.storage.Accounts;
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
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An account's rules and out-of-office as administrators set them: with `mailroom sieve` and
 * `mailroom vacation`, with the admin API, and in the console (headless Chromium).
 */
class RulesAdministrationTest {
    @TempDir
    Path dir;

    private ChildProcess.Result mailroom(String stdin, String... args) throws Exception {
        return ChildProcess.run(dir, stdin, args);
    }

    @Test
    void theCommandLinePutsActivatesListsShowsAndSetsAnOutOfOfficeThatKeepsTheRules() throws Exception {
        assertThat(mailroom(null, "user", "add", "alice", "--password", "alice-password").exitCode()).isZero();
        Files.writeString(dir.resolve("rules.sieve"), "require \"fileinto\";\nif header :contains \"Subject\" \"[lists]\" { fileinto \"Lists\"; }\n");
        Files.writeString(dir.resolve("broken.sieve"), "require \"fileinto\";\n\nfileinto \"Lists\"\n");
        Files.writeString(dir.resolve("away.txt"), "I am away until the 6th.\n");

        var broken = mailroom(null, "sieve", "put", "alice@example.test", "broken", "broken.sieve");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).isEqualTo("mailroom: broken.sieve: line 4: expected ';' or '{' after fileinto, found the end of the script\n");
        assertThat(mailroom(null, "sieve", "put", "alice@example.test", "rules", "rules.sieve", "--activate").out()).contains("stored rules for alice@example.test, active");
        assertThat(mailroom(null, "sieve", "list", "alice@example.test").out()).containsPattern("rules +\\d+ bytes  active");
        assertThat(mailroom(null, "sieve", "show", "alice@example.test").out()).isEqualTo(Files.readString(dir.resolve("rules.sieve")));

        var set = mailroom(null, "vacation", "set", "alice@example.test", "--from", "2026-12-20", "--until", "2027-01-05",
                "--subject", "Away", "--body-file", "away.txt");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).contains("from 2026-12-20 until 2027-01-05", "subject \"Away\"", "rules kept: rules");
        assertThat(mailroom(null, "sieve", "list", "alice@example.test").out()).containsPattern("mailroom-vacation +\\d+ bytes  active");
        assertThat(mailroom(null, "vacation", "show", "alice@example.test").out()).contains("I am away until the 6th.");
        assertThat(mailroom(null, "vacation", "set", "alice@example.test", "--from", "2027-01-05", "--until", "2026-12-20", "--body-file", "away.txt").err())
                .isEqualTo("mailroom: it ends before it begins\n");

        assertThat(mailroom(null, "vacation", "off", "alice@example.test").out()).contains("out-of-office ended");
        String list = mailroom(null, "sieve", "list", "alice@example.test").out();
        assertThat(list).containsPattern("rules +\\d+ bytes  active").doesNotContain("mailroom-vacation");
        assertThat(mailroom(null, "vacation", "show", "alice@example.test").out()).contains("has no out-of-office");
        assertThat(mailroom(null, "sieve", "activate", "alice@example.test", "--none").out()).contains("has no active script");
    }

    @Test
    void theApiAndTheConsoleSetSeeAndEndAnOutOfOffice() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            String base = "http://127.0.0.1:" + node.node.adminPort() + "/";
            java.util.function.BiFunction<String, String[], HttpResponse<String>> call = new AdminHttp(node, "")::call;
            var refused = call.apply("api/v1/accounts/alice@example.test/sieve/rules", new String[] {"PUT", "{\"script\": \"keep;\\nfileinto \\\"x\\\";\\n\"}"});
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.body()).contains("line 2: fileinto needs require");
            assertThat(call.apply("api/v1/accounts/alice@example.test/sieve/rules", new String[] {"PUT", "{\"script\": \"keep;\\n\", \"active\": true}"}).statusCode()).isEqualTo(204);
            assertThat(call.apply("api/v1/accounts/alice@example.test/sieve", new String[] {"GET"}).body()).contains("\"name\":\"rules\"", "\"active\":true");
            assertThat(call.apply("api/v1/accounts/alice@example.test/vacation", new String[] {"GET"}).statusCode()).isEqualTo(404);

            WebDriver driver = ConsoleTest.chromium(dir.resolve("chromium-profile"));
            try {
                var wait = new WebDriverWait(driver, Duration.ofSeconds(10));
                driver.get(base);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login")));
                driver.findElement(By.id("user")).sendKeys("postmaster@example.test");
                driver.findElement(By.id("password")).sendKeys(node.postmasterPassword);
                driver.findElement(By.cssSelector("#login button")).click();
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[data-vacation='alice@example.test']"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("vacation-status"), "No out of office is set."));
                String today = LocalDate.now().toString();
                ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                        "document.getElementById('vacation-from').value = arguments[0]; document.getElementById('vacation-until').value = arguments[1];",
                        today, LocalDate.now().plusDays(10).toString());
                driver.findElement(By.id("vacation-subject")).sendKeys("Away");
                driver.findElement(By.id("vacation-body")).sendKeys("Back in ten days.");
                driver.findElement(By.cssSelector("#vacation-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("vacation-status"), "Answering now; rules kept: rules."));
                ConsoleTest.screenshot(driver, "console-vacation");
                var seen = call.apply("api/v1/accounts/alice@example.test/vacation", new String[] {"GET"});
                assertThat(seen.body()).contains("\"from\":\"" + today + "\"", "\"subject\":\"Away\"", "\"body\":\"Back in ten days.\"", "\"keeps\":\"rules\"");

                driver.findElement(By.id("vacation-off")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("vacation-status"), "Out of office ended."));
                assertThat(call.apply("api/v1/accounts/alice@example.test/vacation", new String[] {"GET"}).statusCode()).isEqualTo(404);
                assertThat(call.apply("api/v1/accounts/alice@example.test/sieve", new String[] {"GET"}).body()).contains("\"name\":\"rules\"", "\"active\":true")
                        .doesNotContain("mailroom-vacation");
            } finally {
                driver.quit();
            }
        }
    }
}
