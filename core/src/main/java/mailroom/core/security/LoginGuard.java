package mailroom.core.security;

import mailroom.core.config.Config;
import mailroom.core.metrics.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Login throttling, the one gate every protocol's password check passes through. Per client network
 * (IPv4 address, IPv6 /64), counted in the shared database so that every node sees the same numbers:
 * <ul>
 * <li>a blocked network is refused at once, before any password is hashed ({@link LoginBlocked});</li>
 * <li>after failures the next check waits {@code login_delay} doubled per failure, up to
 *     {@code login_delay_max}, and only {@code password_checks_per_address} checks of one network
 *     run at once, while the others wait: fifty guessing connections cost what two do;</li>
 * <li>{@code block_after} failures within {@code block_window} block the network for {@code block_time}.</li>
 * </ul>
 * Per account, the failures against it (from anywhere) delay each failure answer the same way. A
 * correct password never waits for the account's failures, so guessing cannot lock its owner out,
 * and another network's failures never delay anyone. Allowlisted networks and the cluster's own
 * nodes pass untouched but for a fixed delay on a failure.
 */
public final class LoginGuard {
    private static final Logger log = LoggerFactory.getLogger(LoginGuard.class);
    /** How often old failures and ended blocks are swept from the database. */
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final Config.Security settings;
    private final LoginFailures failures;
    private final List<ClientNetwork.Cidr> allowlist;
    private final Predicate<InetAddress> clusterNode;
    private final Clock clock;
    private final KeyedPermits checks;
    private volatile Instant lastSweep = Instant.EPOCH;

    public LoginGuard(Config.Security settings, LoginFailures failures, Predicate<InetAddress> clusterNode, Clock clock) {
        this.settings = settings;
        this.failures = failures;
        this.allowlist = settings.allowlist.stream().map(ClientNetwork.Cidr::parse).toList();
        this.clusterNode = clusterNode;
        this.clock = clock;
        this.checks = new KeyedPermits(settings.passwordChecksPerAddress);
    }

    public LoginFailures failures() {
        return failures;
    }

    /** True for addresses the defences leave alone: the allowlist and the cluster's nodes. */
    public boolean exempt(InetAddress client) {
        return clusterNode.test(client) || allowlist.stream().anyMatch(n -> n.contains(client));
    }

    /**
     * Runs {@code check} (a password or SCRAM proof check) for {@code login} from {@code client}
     * under the rules above; its result is the login's. Throws {@link LoginBlocked} without running
     * it when the client's network is blocked.
     */
    public <T> Optional<T> attempt(InetAddress client, String protocol, String login, Supplier<Optional<T>> check) {
        String who = printable(login);
        if (exempt(client)) {
            Optional<T> result = check.get();
            Meters.login(result.isPresent() ? "ok" : "failed");
            if (result.isEmpty()) sleep(settings.loginDelay);
            return result;
        }
        String network = ClientNetwork.of(client);
        LoginFailures.Counts counts;
        try (var permit = checks.acquire(network)) {
            Instant now = clock.instant();
            var standing = failures.standing(network, now.minus(settings.blockWindow), now);
            if (standing.blockedUntil().isPresent()) {
                Meters.login("blocked");
                log.info("login refused from {} ({}, {}): blocked until {}", client.getHostAddress(), protocol, who, standing.blockedUntil().get());
                throw new LoginBlocked(network, standing.blockedUntil().get());
            }
            sleep(delay(standing.recentFailures()));
            Optional<T> result = check.get();
            if (result.isPresent()) {
                Meters.login("ok");
                return result;
            }
            Meters.login("failed");
            now = clock.instant();
            counts = failures.recordFailure(network, login.toLowerCase(Locale.ROOT), protocol, now, now.minus(settings.blockWindow));
            // The line fail2ban's filter matches (docs/security.md): the address, then the details.
            log.warn("login failed from {} ({}, {}): {} failures from {} in {}", client.getHostAddress(), protocol, who,
                    counts.network(), network, words(settings.blockWindow));
            if (counts.network() >= settings.blockAfter) block(client, network, protocol, login, counts.network(), now);
            sweep(now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        sleep(delay(counts.login())); // outside the permit: the next check from this network waits its own delay
        return Optional.empty();
    }

    private void block(InetAddress client, String network, String protocol, String login, int failed, Instant now) {
        Instant until = now.plus(settings.blockTime);
        failures.block(new LoginFailures.Block(network, now, until, failed, login.toLowerCase(Locale.ROOT), protocol));
        Meters.addressBlocked();
        log.warn("address {} blocked until {}: {} failed logins from {} in {} (last: {}, {})", client.getHostAddress(), until,
                failed, network, words(settings.blockWindow), protocol, printable(login));
    }

    private Duration delay(int failures) {
        return delay(failures, settings.loginDelay, settings.loginDelayMax);
    }

    /** The wait after {@code failures} failures: none, then {@code first}, doubling up to {@code max}. */
    public static Duration delay(int failures, Duration first, Duration max) {
        if (failures <= 0) return Duration.ZERO;
        Duration d = first.multipliedBy(1L << Math.min(failures - 1, 20));
        return d.compareTo(max) > 0 ? max : d;
    }

    private void sweep(Instant now) {
        if (Duration.between(lastSweep, now).compareTo(SWEEP_EVERY) < 0) return;
        lastSweep = now;
        try {
            failures.forget(now.minus(settings.blockWindow), now);
        } catch (RuntimeException e) {
            log.warn("forgetting old login failures failed: {}", e.getMessage());
        }
    }

    /** The blocks in force now, cluster-wide. */
    public List<LoginFailures.Block> blocks() {
        return failures.blocks(clock.instant());
    }

    /** Lifts the block of the network {@code address} belongs to ("192.0.2.7", "2001:db8::1" or "2001:db8::/64"). */
    public boolean unblock(String address) {
        String network = ClientNetwork.parseKey(address)
                .orElseThrow(() -> new IllegalArgumentException("not an IP address: " + address));
        boolean lifted = failures.unblock(network);
        if (lifted) log.info("address {} unblocked", network);
        return lifted;
    }

    /** "10m", "90s": a window as the configuration writes it. */
    private static String words(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }

    /** A login name for the log: what the client sent, without control characters, at most 100 characters. */
    static String printable(String login) {
        String s = login.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    private static void sleep(Duration d) {
        if (d.isZero()) return;
        try {
            Thread.sleep(d); // cheap on a virtual thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
