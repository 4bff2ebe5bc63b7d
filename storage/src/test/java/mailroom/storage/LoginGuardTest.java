package mailroom.storage;

import mailroom.core.config.Config;
import mailroom.core.security.LoginBlocked;
import mailroom.core.security.LoginGuard;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The login gate over real embedded storage: delays, blocks, exemptions and the per-network bound on checks. */
class LoginGuardTest {
    @TempDir
    Path dir;
    private Storage storage;
    private final Config.Security settings = new Config.Security();

    @BeforeEach
    void open() {
        storage = SqliteStorage.open(dir, false);
        settings.allowlist = List.of("192.0.2.128/25");
        settings.loginDelay = Duration.ofMillis(20);
        settings.loginDelayMax = Duration.ofMillis(80);
        settings.blockAfter = 3;
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private LoginGuard guard() {
        return new LoginGuard(settings, storage.loginFailures(), a -> a.getHostAddress().equals("198.51.100.9"), Clock.systemUTC());
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static Optional<String> attempt(LoginGuard guard, String client, boolean right, AtomicInteger checks) throws Exception {
        return guard.attempt(ip(client), "imap", "alice@example.test", () -> {
            checks.incrementAndGet();
            return right ? Optional.of("alice") : Optional.empty();
        });
    }

    @Test
    void theDelayDoublesFromTheFirstFailureUpToTheMaximum() {
        assertThat(List.of(0, 1, 2, 3, 4, 5, 6, 60).stream()
                .map(n -> LoginGuard.delay(n, Duration.ofSeconds(1), Duration.ofSeconds(15)).toSeconds()).toList())
                .containsExactly(0L, 1L, 2L, 4L, 8L, 15L, 15L, 15L);
    }

    @Test
    void failuresAreAnsweredAfterTheDelayAndCorrectPasswordsAreNotHeldUp() throws Exception {
        settings.loginDelay = Duration.ofMillis(200);
        settings.loginDelayMax = Duration.ofSeconds(1);
        settings.blockAfter = 100;
        var guard = guard();
        var checks = new AtomicInteger();
        long start = System.nanoTime();
        attempt(guard, "203.0.113.20", false, checks); // answered after 200 ms (the account's first failure)
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        start = System.nanoTime();
        assertThat(attempt(guard, "203.0.113.21", true, checks)).as("another address, the right password").contains("alice");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not slowed by the account's failure").isLessThan(Duration.ofMillis(200));
        start = System.nanoTime();
        attempt(guard, "203.0.113.20", true, checks); // 200 ms before the check: its network failed once
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void aBlockedNetworkIsRefusedWithoutCheckingThePasswordAndOthersAreNot() throws Exception {
        var guard = guard();
        var checks = new AtomicInteger();
        for (int i = 0; i < 3; i++) assertThat(attempt(guard, "203.0.113.5", false, checks)).isEmpty();
        assertThat(checks).hasValue(3);
        assertThatThrownBy(() -> attempt(guard, "203.0.113.5", true, checks)).isInstanceOf(LoginBlocked.class);
        assertThat(checks).as("no password check for a blocked network").hasValue(3);
        assertThat(attempt(guard, "203.0.113.6", true, checks)).as("another address").contains("alice");
        assertThat(guard.blocks()).singleElement().satisfies(b -> {
            assertThat(b.network()).isEqualTo("203.0.113.5");
            assertThat(b.failures()).isEqualTo(3);
            assertThat(b.lastLogin()).isEqualTo("alice@example.test");
        });
        assertThat(guard.unblock("203.0.113.5")).isTrue();
        assertThat(attempt(guard, "203.0.113.5", true, checks)).contains("alice");
    }

    @Test
    void addressesOfOneIpv6Slash64CountAsOne() throws Exception {
        var guard = guard();
        var checks = new AtomicInteger();
        attempt(guard, "2001:db8:1:2::1", false, checks);
        attempt(guard, "2001:db8:1:2:aaaa::5", false, checks);
        attempt(guard, "2001:db8:1:2:ffff:ffff:ffff:ffff", false, checks);
        assertThatThrownBy(() -> attempt(guard, "2001:db8:1:2::77", true, checks)).isInstanceOf(LoginBlocked.class);
        assertThat(attempt(guard, "2001:db8:1:3::1", true, checks)).as("the next /64").contains("alice");
        assertThat(guard.blocks()).extracting(b -> b.network()).containsExactly("2001:db8:1:2::/64");
        assertThat(guard.unblock("2001:db8:1:2::/64")).isTrue();
    }

    @Test
    void allowlistedNetworksAndClusterNodesAreNeverCountedNorBlocked() throws Exception {
        var guard = guard();
        var checks = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            assertThat(attempt(guard, "192.0.2.200", false, checks)).isEmpty();
            assertThat(attempt(guard, "198.51.100.9", false, checks)).isEmpty();
        }
        assertThat(attempt(guard, "192.0.2.200", true, checks)).contains("alice");
        assertThat(attempt(guard, "198.51.100.9", true, checks)).contains("alice");
        assertThat(guard.blocks()).isEmpty();
        assertThat(attempt(guard, "192.0.2.100", false, checks)).as("just outside the /25: counted").isEmpty();
        assertThat(storage.loginFailures().standing("192.0.2.100", java.time.Instant.EPOCH, java.time.Instant.now()).recentFailures()).isEqualTo(1);
    }

    @Test
    void oneNetworkRunsAtMostTwoChecksAtOnceWhileAnotherIsNotHeldUp() throws Exception {
        settings.blockAfter = 1000;
        settings.loginDelay = Duration.ZERO;
        var guard = guard();
        var running = new AtomicInteger();
        var most = new AtomicInteger();
        var otherMost = new AtomicInteger();
        var otherRunning = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                int i = n;
                all.add(pool.submit(() -> guard.attempt(ip("203.0.113.9"), "imap", "alice@example.test", () -> measure(running, most))));
                all.add(pool.submit(() -> guard.attempt(ip("203.0.113." + (100 + i % 10)), "imap", "bob@example.test", () -> measure(otherRunning, otherMost))));
            }
            for (var f : all) f.get();
        }
        assertThat(most).as("checks of one network at once").hasValue(2);
        assertThat(otherMost.get()).as("ten other networks are not queued behind it").isGreaterThan(2);
    }

    private static Optional<String> measure(AtomicInteger running, AtomicInteger most) {
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            Thread.sleep(30);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.decrementAndGet();
        return Optional.empty();
    }
}
