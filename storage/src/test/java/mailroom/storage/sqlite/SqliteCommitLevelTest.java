package mailroom.storage.sqlite;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import mailroom.storage.MailStore;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;
import mailroom.storage.TestMessages;
import mailroom.storage.sql.Database.WriteKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each write of the embedded database commits at, with fsync on: a group of metadata writes
 * (flags, \Recent claims, subscriptions) at {@code synchronous = NORMAL}, every other group at FULL
 * (README, "Durability"). The level is read inside the write, from the writer's own connection. That
 * an acknowledged flag change survives a SIGKILL of the node is CrashTest's, in the server module.
 */
class SqliteCommitLevelTest {
    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void countCommits() {
        Metrics.globalRegistry.add(meters);
    }

    @AfterEach
    void stopCounting() {
        Metrics.globalRegistry.remove(meters);
        meters.close();
    }

    /** PRAGMA synchronous as the writer's connection has it: 0 OFF, 1 NORMAL, 2 FULL. */
    private static int level(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("PRAGMA synchronous")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void metadataAloneCommitsWithoutItsOwnFsyncAndEverythingElseWithOne() {
        var db = new SqliteDatabase(dir.resolve("test.db"), true);
        try {
            assertThat(db.write(SqliteCommitLevelTest::level)).as("a write that names no kind is data").isEqualTo(2);
            assertThat(db.write(WriteKind.METADATA, SqliteCommitLevelTest::level)).isEqualTo(1);
            assertThat(db.write(WriteKind.METADATA, SqliteCommitLevelTest::level)).isEqualTo(1);
            assertThat(db.write(WriteKind.DATA, SqliteCommitLevelTest::level)).as("back to FULL after metadata").isEqualTo(2);
        } finally {
            db.close();
        }
    }

    @Test
    void aGroupHoldingAnyDataCommitsWithAnFsync() throws Exception {
        var db = new SqliteDatabase(dir.resolve("test.db"), true);
        try {
            // Hold the writer in one write while a metadata and a data write queue up: they form the next group together.
            var held = new CountDownLatch(1);
            var holding = new CountDownLatch(1);
            var first = CompletableFuture.runAsync(() -> db.write(c -> {
                holding.countDown();
                try {
                    held.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return null;
            }));
            holding.await();
            var metadata = CompletableFuture.supplyAsync(() -> db.write(WriteKind.METADATA, SqliteCommitLevelTest::level));
            var data = CompletableFuture.supplyAsync(() -> db.write(WriteKind.DATA, SqliteCommitLevelTest::level));
            while (db.waiting() < 2) Thread.onSpinWait();
            held.countDown();
            first.get();
            assertThat(metadata.get()).as("the flag change rides on the delivery's fsync").isEqualTo(2);
            assertThat(data.get()).isEqualTo(2);
        } finally {
            db.close();
        }
    }

    @Test
    void withFsyncOffNothingIsFsynced() {
        var db = new SqliteDatabase(dir.resolve("test.db"), false);
        try {
            assertThat(db.write(WriteKind.DATA, SqliteCommitLevelTest::level)).isZero();
            assertThat(db.write(WriteKind.METADATA, SqliteCommitLevelTest::level)).isZero();
        } finally {
            db.close();
        }
    }

    /** The mail store names its writes: flags, \Recent and subscriptions are metadata; mail and its removal are not. */
    @Test
    void theMailStoreCommitsFlagsAsMetadataAndMailAsData() throws Exception {
        try (Storage storage = SqliteStorage.open(dir, true)) {
            storage.directory().addDomain("example.test");
            long alice = storage.directory().addAccount("alice", "example.test", "hash").id();
            long inbox = storage.mail().createMailbox(alice, Mailbox.INBOX, null).id();
            MailStore mail = storage.mail();

            assertThat(commitsOf(() -> TestMessages.deliver(storage, TestMessages.message("one", "body"), alice)))
                    .as("delivery").isEqualTo(new Commits(1, 0));
            assertThat(commitsOf(() -> mail.updateFlags(alice, inbox, List.of(1L), MailStore.FlagChange.ADD, Set.of("\\Seen", "$Label1"))))
                    .as("STORE").isEqualTo(new Commits(0, 1));
            assertThat(commitsOf(() -> mail.updateFlagsUnchangedSince(alice, inbox, List.of(1L), MailStore.FlagChange.REMOVE, Set.of("$Label1"), Long.MAX_VALUE)))
                    .as("STORE (UNCHANGEDSINCE)").isEqualTo(new Commits(0, 1));
            assertThat(commitsOf(() -> mail.claimRecent(alice, inbox))).as("SELECT claiming \\Recent").isEqualTo(new Commits(0, 1));
            assertThat(commitsOf(() -> { mail.setSubscribed(alice, "INBOX", true); return null; })).as("SUBSCRIBE").isEqualTo(new Commits(0, 1));
            assertThat(commitsOf(() -> mail.createMailbox(alice, "Archive", null))).as("CREATE").isEqualTo(new Commits(1, 0));
            assertThat(commitsOf(() -> mail.expunge(alice, inbox, List.of()))).as("EXPUNGE with nothing \\Deleted").isEqualTo(new Commits(0, 0));
            assertThat(commitsOf(() -> mail.expunge(alice, inbox, List.of(1L)))).as("EXPUNGE").isEqualTo(new Commits(1, 0));
            assertThat(mail.listing(alice, inbox).uids()).isEmpty();
        }
    }

    private record Commits(long full, long normal) {}

    @FunctionalInterface
    private interface Action {
        Object run() throws Exception;
    }

    private Commits commitsOf(Action action) throws Exception {
        Commits before = commits();
        action.run();
        Commits after = commits();
        return new Commits(after.full() - before.full(), after.normal() - before.normal());
    }

    private Commits commits() {
        return new Commits(count("full"), count("normal"));
    }

    private long count(String level) {
        var counter = meters.find("mailroom.storage.commits").tag("synchronous", level).counter();
        return counter == null ? 0 : (long) counter.count();
    }
}
