package mailroom.storage;

import mailroom.core.security.LoginFailures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of {@link LoginFailures} (login throttling's records) that every storage backend
 * passes: subclass it with the backend's opener. Two opens of one storage stand for two nodes.
 */
public abstract class LoginFailuresContract {
    @TempDir
    protected Path dir;
    private Storage storage;
    private LoginFailures failures;
    private final Instant t0 = Instant.parse("2030-01-01T12:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(10);

    protected abstract StorageOpener opener();

    @BeforeEach
    void open() {
        storage = opener().open(dir);
        failures = storage.loginFailures();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private LoginFailures.Counts fail(LoginFailures on, String network, String login, Instant at) {
        return on.recordFailure(network, login, "imap", at, at.minus(WINDOW));
    }

    @Test
    void aNetworkNeverSeenIsNeitherBlockedNorFailing() {
        assertThat(failures.standing("192.0.2.1", t0.minus(WINDOW), t0)).isEqualTo(new LoginFailures.Standing(Optional.empty(), 0));
        assertThat(failures.blocks(t0)).isEmpty();
        assertThat(failures.unblock("192.0.2.1")).isFalse();
    }

    @Test
    void failuresCountPerNetworkAndPerLoginWithinTheWindow() {
        fail(failures, "192.0.2.1", "alice@example.test", t0.minus(Duration.ofMinutes(12))); // before the window of those below
        assertThat(fail(failures, "192.0.2.1", "alice@example.test", t0.minusSeconds(60))).isEqualTo(new LoginFailures.Counts(1, 1));
        assertThat(fail(failures, "192.0.2.1", "bob@example.test", t0.minusSeconds(30))).isEqualTo(new LoginFailures.Counts(2, 1));
        var last = fail(failures, "2001:db8:1:2::/64", "alice@example.test", t0);
        assertThat(last).as("alice's failures from any network").isEqualTo(new LoginFailures.Counts(1, 2));
        assertThat(failures.standing("192.0.2.1", t0.minus(WINDOW), t0).recentFailures()).isEqualTo(2);
        assertThat(failures.standing("198.51.100.1", t0.minus(WINDOW), t0).recentFailures()).isZero();
    }

    @Test
    void aBlockHoldsUntilItEndsAndIsListedUntilThen() {
        Instant until = t0.plus(Duration.ofMinutes(15));
        failures.block(new LoginFailures.Block("192.0.2.7", t0, until, 10, "alice@example.test", "pop3"));
        assertThat(failures.standing("192.0.2.7", t0.minus(WINDOW), t0.plusSeconds(60)).blockedUntil()).contains(until);
        assertThat(failures.standing("192.0.2.8", t0.minus(WINDOW), t0.plusSeconds(60)).blockedUntil()).isEmpty();
        assertThat(failures.blocks(t0.plusSeconds(60))).containsExactly(new LoginFailures.Block("192.0.2.7", t0, until, 10, "alice@example.test", "pop3"));
        assertThat(failures.standing("192.0.2.7", t0, until).blockedUntil()).as("over at its end").isEmpty();
        assertThat(failures.blocks(until)).isEmpty();

        Instant later = until.plus(Duration.ofMinutes(5)); // blocked again: the row is replaced, not doubled
        failures.block(new LoginFailures.Block("192.0.2.7", until, later, 12, "bob@example.test", "imap"));
        assertThat(failures.blocks(t0)).extracting(LoginFailures.Block::until).containsExactly(later);
    }

    @Test
    void unblockLiftsTheBlockAndForgetsTheNetworksFailures() {
        for (int i = 0; i < 3; i++) fail(failures, "192.0.2.7", "alice@example.test", t0.plusSeconds(i));
        fail(failures, "192.0.2.9", "alice@example.test", t0);
        failures.block(new LoginFailures.Block("192.0.2.7", t0, t0.plusSeconds(900), 3, "alice@example.test", "imap"));
        assertThat(failures.unblock("192.0.2.7")).isTrue();
        var standing = failures.standing("192.0.2.7", t0.minus(WINDOW), t0.plusSeconds(10));
        assertThat(standing).isEqualTo(new LoginFailures.Standing(Optional.empty(), 0));
        assertThat(failures.standing("192.0.2.9", t0.minus(WINDOW), t0.plusSeconds(10)).recentFailures()).as("another network's stay").isEqualTo(1);
        assertThat(failures.unblock("192.0.2.7")).isFalse();
    }

    @Test
    void forgetDropsOldFailuresAndEndedBlocks() {
        fail(failures, "192.0.2.1", "alice@example.test", t0.minus(Duration.ofMinutes(30)));
        fail(failures, "192.0.2.1", "alice@example.test", t0);
        failures.block(new LoginFailures.Block("192.0.2.2", t0.minus(Duration.ofHours(1)), t0.minusSeconds(1), 10, "x", "imap"));
        failures.block(new LoginFailures.Block("192.0.2.3", t0, t0.plusSeconds(60), 10, "x", "imap"));
        failures.forget(t0.minus(WINDOW), t0);
        assertThat(failures.standing("192.0.2.1", Instant.EPOCH, t0).recentFailures()).as("only the recent one is left").isEqualTo(1);
        assertThat(failures.unblock("192.0.2.2")).as("the ended block is gone").isFalse();
        assertThat(failures.blocks(t0)).extracting(LoginFailures.Block::network).containsExactly("192.0.2.3");
    }

    @Test
    void failuresAndBlocksAddUpAcrossNodesSharingTheStorage() {
        try (Storage otherNode = opener().open(dir)) {
            fail(failures, "192.0.2.7", "alice@example.test", t0);
            var counts = fail(otherNode.loginFailures(), "192.0.2.7", "alice@example.test", t0.plusSeconds(1));
            assertThat(counts).as("the second node counts the first's failure").isEqualTo(new LoginFailures.Counts(2, 2));
            otherNode.loginFailures().block(new LoginFailures.Block("192.0.2.7", t0, t0.plusSeconds(900), 2, "alice@example.test", "pop3"));
            assertThat(failures.standing("192.0.2.7", t0.minus(WINDOW), t0.plusSeconds(2)).blockedUntil()).contains(t0.plusSeconds(900));
            assertThat(failures.unblock("192.0.2.7")).isTrue();
            assertThat(otherNode.loginFailures().blocks(t0)).isEmpty();
        }
    }
}
