package mailroom.storage.postgres;

import mailroom.core.event.MailboxEvent;
import mailroom.storage.Mailbox;
import mailroom.storage.Queue;
import mailroom.storage.Storage;
import mailroom.storage.StorageContract;
import mailroom.storage.StorageOpener;
import mailroom.storage.TestMessages;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storage contract against a real PostgreSQL, and what only a shared database has to do: carry
 * changes between nodes, and let several sorters claim from one queue.
 */
class PostgresStorageTest extends StorageContract {
    public static final class Opener implements StorageOpener {
        @Override
        public Storage open(Path dataDir) {
            return PostgresStorage.open(TestPostgres.databaseFor(dataDir), "postgres", "postgres", 8);
        }
    }

    @Override
    protected StorageOpener opener() {
        return new Opener();
    }

    @Override
    protected java.sql.Connection database() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(TestPostgres.databaseFor(dir), "postgres", "postgres");
    }

    @Test
    void aChangeOnOneNodeReachesTheOthersWithinASecond() throws Exception {
        try (Storage otherNode = opener().open(dir)) {
            var heard = new LinkedBlockingQueue<MailboxEvent>();
            long inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow().id();
            try (var subscription = otherNode.events().subscribe(alice, heard::add)) {
                Thread.sleep(200); // the other node's LISTEN is issued as it opens; give it a moment
                long sent = System.nanoTime();
                var filed = TestMessages.deliver(storage, TestMessages.message("across", "nodes"), alice);
                MailboxEvent event = heard.poll(1, TimeUnit.SECONDS);
                assertThat(event).as("the other node heard of the delivery").isNotNull();
                assertThat(event.mailboxId()).isEqualTo(inbox);
                assertThat(event.modseq()).isEqualTo(filed.getFirst().modseq());
                assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
                assertThat(heard.poll(300, TimeUnit.MILLISECONDS)).as("heard once").isNull();
            }
        }
    }

    @Test
    void oneNodeLeadsAtATimeAndAnotherTakesOverWhenItGoes() {
        try (Storage otherNode = opener().open(dir); var first = storage.leaderLock(); var second = otherNode.leaderLock()) {
            assertThat(first.held()).isTrue();
            assertThat(second.held()).as("while the first leads").isFalse();
            assertThat(first.held()).as("still leading").isTrue();
            first.close(); // its node steps down; when a node dies instead, its closed connection frees the lock a moment later
            assertThat(second.held()).isTrue();
            assertThat(second.held()).isTrue();
        }
    }

    @Test
    void sortersOnTwoNodesNeverClaimTheSameEntry() throws Exception {
        Instant now = Instant.now();
        for (int i = 0; i < 200; i++) {
            storage.queue().enqueue(Queue.Envelope.of("a@example.test", List.of("b" + i + "@remote.test")), "blob" + i, now);
        }
        try (Storage otherNode = opener().open(dir); var pool = Executors.newFixedThreadPool(4)) {
            List<Callable<List<Long>>> claimers = new ArrayList<>();
            for (Storage node : List.of(storage, otherNode, storage, otherNode)) {
                claimers.add(() -> {
                    List<Long> mine = new ArrayList<>();
                    List<Queue.Entry> batch;
                    while (!(batch = node.queue().claim("sorter-" + System.identityHashCode(node), now, Duration.ofMinutes(5), 7)).isEmpty()) {
                        batch.forEach(e -> mine.add(e.id()));
                    }
                    return mine;
                });
            }
            List<Long> all = new ArrayList<>();
            for (var f : pool.invokeAll(claimers)) all.addAll(f.get());
            assertThat(all).hasSize(200);
            assertThat(new HashSet<>(all)).as("no entry claimed twice").hasSize(200);
        }
    }
}
