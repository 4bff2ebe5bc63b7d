package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The web console in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium):
 * log in, move a letter to another store and back, and see the cluster's DNS follow; on a laptop
 * and on a phone-sized screen. Screenshots go to server/target/screenshots.
 */
class ConsoleTest {
    @TempDir
    Path dir;

    static WebDriver chromium(Path profile) {
        var service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
        var options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        // No background networking: the machine's network is closed, and refused connections slow Chromium down.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--window-size=1280,900");
        return new ChromeDriver(service, options);
    }

    static void screenshot(WebDriver driver, String name) throws Exception {
        Path target = Path.of("target", "screenshots");
        Files.createDirectories(target);
        Files.write(target.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    private static String dig(int port, String name) throws Exception {
        var dig = new ProcessBuilder("dig", "@127.0.0.1", "-p", String.valueOf(port), "+short", name, "A").redirectErrorStream(true).start();
        dig.waitFor(10, TimeUnit.SECONDS);
        return new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void aLetterMovedInTheConsoleMovesInDns() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            var accounts = new Accounts(node.node.storage(), "example.test");
            accounts.create("alice", "alice-password");
            String console = "http://127.0.0.1:" + node.node.adminPort() + "/";
            WebDriver driver = chromium(dir.resolve("chromium-profile"));
            // a second store, up: it beats as a live one would for as long as the test runs (on a busy
            // machine the test takes longer than a node timeout)
            try (var store2 = new mailroom.directory.Heartbeat(node.node.storage().directory(), "store2", Set.of("store"), "127.0.1.2",
                    Duration.ofSeconds(1), java.time.Clock.systemUTC())) {
                var wait = new WebDriverWait(driver, Duration.ofSeconds(10));
                driver.get(console);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login")));
                driver.findElement(By.id("user")).sendKeys("postmaster@example.test");
                driver.findElement(By.id("password")).sendKeys("not the password");
                driver.findElement(By.cssSelector("#login button")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "That did not work"));
                screenshot(driver, "console-login-refused");

                driver.findElement(By.id("password")).clear();
                driver.findElement(By.id("password")).sendKeys(node.postmasterPassword);
                driver.findElement(By.cssSelector("#login button")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-letter='a']")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("nodes"), "store2"));
                assertThat(driver.findElement(By.id("who")).getText()).isEqualTo("postmaster@example.test");

                for (String store : new String[] {"store2", "mailroom"}) {
                    driver.findElement(By.cssSelector("[data-letter='a']")).click();
                    new Select(driver.findElement(By.id("target"))).selectByValue(store);
                    driver.findElement(By.id("move")).click();
                    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-letter='a'] .store"), store));
                    assertThat(driver.findElement(By.id("letters-status")).getText()).contains("maila → " + store);
                    String expected = store.equals("store2") ? "store2.example.test.\n127.0.1.2" : "mailroom.example.test.\n127.0.0.1";
                    await().atMost(Duration.ofSeconds(3)).until(() -> dig(node.node.dnsPort(), "maila.example.test").equals(expected));
                    screenshot(driver, "console-laptop-maila-" + store);
                }
                assertThat(node.node.storage().directory().auditLog(5)).extracting(e -> e.actor() + " " + e.action())
                        .contains("postmaster@example.test POST /api/v1/routes/move");

                // alice (letter a, on mailroom) is moved to store2 on her own, from the accounts table
                new Select(driver.findElement(By.cssSelector("select[data-account='alice@example.test']"))).selectByValue("store2");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("letters-status"), "alice@example.test → store2"));
                assertThat(node.node.storage().directory().accountRoutes()).containsValue("store2");
                wait.until(d -> d.findElements(By.cssSelector("#accounts tr")).stream().anyMatch(r -> r.getText().contains("alice@example.test") && r.getText().contains("store2")));

                // autoconfiguration for a user of each store names a host that DNS leads to that store
                node.node.storage().directory().setRoutes(java.util.Map.of("b", "store2", "c", "mailroom"));
                for (String[] user : new String[][] {{"bob@example.test", "mailb.example.test", "127.0.1.2"}, {"carol@example.test", "mailc.example.test", "127.0.0.1"}}) {
                    var xml = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(console + "mail/config-v1.1.xml?emailaddress=" + user[0])).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    assertThat(xml).contains("<hostname>" + user[1] + "</hostname>");
                    await().atMost(Duration.ofSeconds(3)).until(() -> dig(node.node.dnsPort(), user[1]).endsWith(user[2]));
                }

                // an import started through the API shows in the Imports card, with its progress bar full at the end
                Path mbox = dir.resolve("old.mbox");
                Files.writeString(mbox, "From bob@remote.test Mon Jan  1 00:00:00 2024\nSubject: one\n\nfirst\n\n"
                        + "From bob@remote.test Mon Jan  1 00:00:01 2024\nSubject: two\nStatus: RO\n\nsecond\n");
                String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("postmaster@example.test:" + node.postmasterPassword).getBytes(StandardCharsets.UTF_8));
                var started = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(console + "api/v1/accounts/alice@example.test/import"))
                        .header("Authorization", auth).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"source\": \"mbox\", \"paths\": [\"" + mbox + "\"], \"mailbox\": \"Old\"}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                var longWait = new WebDriverWait(driver, Duration.ofSeconds(20)); // the console refreshes every 5 s
                longWait.until(d -> d.findElements(By.cssSelector("#imports tr[data-job]")).stream().anyMatch(r -> r.getText().contains("finished")));
                var row = driver.findElement(By.cssSelector("#imports tr[data-job]"));
                assertThat(row.getText()).contains("alice@example.test", "2 messages");
                var bar = row.findElement(By.tagName("progress"));
                assertThat(bar.getAttribute("value")).isEqualTo(bar.getAttribute("max")).isEqualTo("2");
                assertThat(node.node.storage().mail().mailbox(accounts.find("alice").orElseThrow().id(), "Old")).isPresent();
                screenshot(driver, "console-import");

                driver.manage().window().setSize(new Dimension(390, 844)); // a phone
                Thread.sleep(300);
                screenshot(driver, "console-phone");
                long overflow = (Long) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
                Object wide = ((JavascriptExecutor) driver).executeScript(
                        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                        + ".map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join('; ');");
                assertThat(overflow).as("nothing wider than the phone's screen: " + wide).isLessThanOrEqualTo(0);
                assertThat(driver.findElement(By.cssSelector("[data-letter='z']")).isDisplayed()).isTrue();
            } finally {
                driver.quit();
            }
        }
    }
}
