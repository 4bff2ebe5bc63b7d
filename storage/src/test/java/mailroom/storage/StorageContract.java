package mailroom.storage;

import mailroom.core.event.MailboxEvent;
import mailroom.storage.sharing.Rights;
import mailroom.storage.sharing.SharedMailboxes;
import mailroom.storage.sharing.Sharing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every storage implementation passes: subclass it with an opener for the
 * implementation. These are behaviours the protocol servers rely on, so they are tested once here
 * rather than through every server.
 */
public abstract class StorageContract {
    @TempDir
    protected Path dir;
    protected Storage storage;
    protected long alice, bob;

    protected abstract StorageOpener opener();

    /** A plain JDBC connection to the database under {@link #storage}, for reading its catalog. */
    protected abstract java.sql.Connection database() throws java.sql.SQLException;

    @BeforeEach
    void open() {
        storage = opener().open(dir);
        storage.directory().addDomain("example.test");
        alice = storage.directory().addAccount("alice", "example.test", "hash").id();
        bob = storage.directory().addAccount("bob", "example.test", "hash").id();
        storage.mail().createMailbox(alice, Mailbox.INBOX, null);
        storage.mail().createMailbox(bob, Mailbox.INBOX, null);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private Mailbox inbox(long account) {
        return storage.mail().mailbox(account, Mailbox.INBOX).orElseThrow();
    }

    @Test
    void uidsAscendAndAreNeverReused() throws Exception {
        for (int i = 0; i < 3; i++) TestMessages.deliver(storage, TestMessages.message("m" + i, "body"), alice);
        Mailbox box = inbox(alice);
        assertThat(storage.mail().messages(alice, box.id())).extracting(MessageSummary::uid).containsExactly(1L, 2L, 3L);
        assertThat(box.uidNext()).isEqualTo(4);
        assertThat(box.uidValidity()).isPositive();

        storage.mail().expunge(alice, box.id(), List.of(3L));
        TestMessages.deliver(storage, TestMessages.message("m3", "body"), alice);
        assertThat(storage.mail().messages(alice, box.id())).extracting(MessageSummary::uid).containsExactly(1L, 2L, 4L);
        assertThat(inbox(alice).uidValidity()).isEqualTo(box.uidValidity());
    }

    @Test
    void mailboxesAreCreatedOnceAndPerAccount() {
        Mailbox sent = storage.mail().createMailbox(alice, "Sent", "\\Sent");
        assertThat(sent.specialUse()).isEqualTo("\\Sent");
        assertThatThrownBy(() -> storage.mail().createMailbox(alice, "Sent", null)).isInstanceOf(Directory.AlreadyExists.class);
        storage.mail().createMailbox(bob, "Sent", null);
        assertThat(storage.mail().mailboxes(alice)).extracting(Mailbox::name).containsExactly("INBOX", "Sent");
        assertThat(storage.mail().mailbox(bob, "Sent")).isPresent();
        assertThat(storage.mail().mailbox(bob, "Nope")).isEmpty();
    }

    @Test
    void mailboxesAreRenamedWithTheirChildrenAndDeleted() throws Exception {
        Mailbox work = storage.mail().createMailbox(alice, "Work", null);
        storage.mail().createMailbox(alice, "Work/2026", null);
        storage.mail().createMailbox(alice, "Workshop", null);
        storage.mail().renameMailbox(alice, "Work", "Jobs/Old");
        assertThat(storage.mail().mailboxes(alice)).extracting(Mailbox::name).containsExactly("INBOX", "Jobs/Old", "Jobs/Old/2026", "Workshop");
        assertThat(storage.mail().mailbox(alice, "Jobs/Old").orElseThrow().uidValidity()).isEqualTo(work.uidValidity());
        assertThatThrownBy(() -> storage.mail().renameMailbox(alice, "Workshop", "INBOX")).isInstanceOf(Directory.AlreadyExists.class);
        assertThatThrownBy(() -> storage.mail().renameMailbox(alice, "Nope", "Other")).isInstanceOf(StorageException.class);

        TestMessages.deliver(storage, TestMessages.message("x", "y"), alice);
        long inboxId = inbox(alice).id();
        Mailbox old = storage.mail().mailbox(alice, "Jobs/Old").orElseThrow();
        storage.mail().copy(alice, inboxId, List.of(1L), old.id(), false);
        storage.mail().deleteMailbox(alice, old.id());
        assertThat(storage.mail().mailboxes(alice)).extracting(Mailbox::name).containsExactly("INBOX", "Jobs/Old/2026", "Workshop");
        Mailbox again = storage.mail().createMailbox(alice, "Jobs/Old", null);
        assertThat(again.id()).isNotEqualTo(old.id());
        assertThat(storage.mail().messages(alice, again.id())).isEmpty();
    }

    @Test
    void subscriptionsMayNameMissingMailboxes() {
        storage.mail().setSubscribed(alice, "INBOX", true);
        storage.mail().setSubscribed(alice, "Gone", true);
        storage.mail().setSubscribed(alice, "Gone", true);
        assertThat(storage.mail().subscriptions(alice)).containsExactly("Gone", "INBOX");
        storage.mail().setSubscribed(alice, "Gone", false);
        assertThat(storage.mail().subscriptions(alice)).containsExactly("INBOX");
        assertThat(storage.mail().subscriptions(bob)).isEmpty();
    }

    @Test
    void statusCountsAndRecentIsClaimedOnce() throws Exception {
        for (int i = 0; i < 3; i++) TestMessages.deliver(storage, TestMessages.message("s" + i, "body " + i), alice);
        long box = inbox(alice).id();
        storage.mail().updateFlags(alice, box, List.of(1L), MailStore.FlagChange.ADD, Set.of("\\Seen"));
        var status = storage.mail().status(alice, box);
        assertThat(status.messages()).isEqualTo(3);
        assertThat(status.unseen()).isEqualTo(2);
        assertThat(status.firstUnseenUid()).isEqualTo(2);
        assertThat(status.size()).isEqualTo(storage.mail().accountSize(alice));
        assertThat(inbox(alice).highestModseq()).isEqualTo(storage.mail().highestModseq(alice));

        assertThat(status.recent()).isEqualTo(3);
        var listing = storage.mail().listing(alice, box);
        assertThat(listing.uids()).containsExactly(1, 2, 3);
        assertThat(listing.flagsInUse()).containsExactly("\\Seen");
        assertThat(listing.firstUnseenUid()).isEqualTo(2);
        assertThat(listing.flags()).containsExactly(Set.of("\\Seen"), Set.of(), Set.of());
        var summaries = storage.mail().messages(alice, box);
        assertThat(listing.modseqs()).containsExactly(summaries.stream().mapToLong(MessageSummary::modseq).toArray());
        assertThat(listing.modseqs()[0]).as("the flag change took a later MODSEQ").isGreaterThan(listing.modseqs()[2]);
        assertThat(storage.mail().recentUid(alice, box)).as("looking does not claim").isEqualTo(1);
        assertThat(storage.mail().claimRecent(alice, box)).as("all three are recent for the first session")
                .isEqualTo(new MailStore.RecentClaim(1, 4));
        assertThat(storage.mail().status(alice, box).recent()).isZero();
        assertThat(storage.mail().claimRecent(alice, box).isEmpty()).as("none for the next").isTrue();
        TestMessages.deliver(storage, TestMessages.message("s3", "new"), alice);
        assertThat(storage.mail().claimRecent(alice, box)).as("only the new one, for one session").isEqualTo(new MailStore.RecentClaim(4, 5));
        assertThat(storage.mail().claimRecent(alice, box).isEmpty()).isTrue();
    }

    /** Sessions claiming \Recent while mail arrives: every message is recent for exactly one of them. */
    @Test
    void recentClaimsMadeAtOnceNeverOverlap() throws Exception {
        long box = inbox(alice).id();
        List<MailStore.RecentClaim> claims = new CopyOnWriteArrayList<>();
        try (var sessions = Executors.newFixedThreadPool(4)) {
            List<Future<?>> running = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                running.add(sessions.submit(() -> {
                    for (int i = 0; i < 25; i++) claims.add(storage.mail().claimRecent(alice, box));
                    return null;
                }));
            }
            for (int i = 0; i < 20; i++) TestMessages.deliver(storage, TestMessages.message("r" + i, "body"), alice);
            for (Future<?> f : running) f.get(60, TimeUnit.SECONDS);
        }
        claims.add(storage.mail().claimRecent(alice, box)); // whatever arrived after the last of theirs
        List<Long> recentFor = new ArrayList<>();
        for (var claim : claims) for (long uid = claim.first(); uid < claim.next(); uid++) recentFor.add(uid);
        assertThat(recentFor).as("each message recent for one claim").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
    }

    @Test
    void copyAndMoveKeepFlagsAndLogBothSides() throws Exception {
        for (int i = 0; i < 3; i++) TestMessages.deliver(storage, TestMessages.message("c" + i, "body"), alice);
        long inbox = inbox(alice).id();
        long archive = storage.mail().createMailbox(alice, "Archive", null).id();
        storage.mail().updateFlags(alice, inbox, List.of(2L), MailStore.FlagChange.ADD, Set.of("\\Flagged"));
        long before = storage.mail().highestModseq(alice);

        var copied = storage.mail().copy(alice, inbox, List.of(3L, 2L, 99L), archive, false);
        assertThat(copied).containsExactly(new MailStore.Copied(2, 1), new MailStore.Copied(3, 2));
        assertThat(storage.mail().messages(alice, archive)).extracting(MessageSummary::flags)
                .containsExactly(Set.of("\\Flagged"), Set.of());
        assertThat(storage.mail().messages(alice, inbox)).hasSize(3);

        var moved = storage.mail().copy(alice, inbox, List.of(1L), archive, true);
        assertThat(moved).containsExactly(new MailStore.Copied(1, 3));
        assertThat(storage.mail().messages(alice, inbox)).extracting(MessageSummary::uid).containsExactly(2L, 3L);
        assertThat(storage.mail().messages(alice, archive, List.of(3L, 1L, 7L))).extracting(MessageSummary::uid).containsExactly(1L, 3L);
        assertThat(storage.mail().changesSince(alice, inbox, before)).extracting(Change::kind, Change::uid)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Change.Kind.EXPUNGED, 1L));
        assertThat(storage.mail().changesSince(alice, archive, before)).extracting(Change::uid, Change::flags).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1L, Set.of("\\Flagged")), org.assertj.core.groups.Tuple.tuple(2L, Set.of()),
                org.assertj.core.groups.Tuple.tuple(3L, Set.of()));
        assertThat(storage.mail().mailbox(alice, "Archive").orElseThrow().uidNext()).isEqualTo(4);
    }

    @Test
    void copyAndMoveBetweenAccountsLogEachAccountsSide() throws Exception {
        for (int i = 0; i < 2; i++) TestMessages.deliver(storage, TestMessages.message("x" + i, "body"), alice);
        long aliceInbox = inbox(alice).id(), bobInbox = inbox(bob).id();
        long aliceBefore = storage.mail().highestModseq(alice), bobBefore = storage.mail().highestModseq(bob);

        assertThat(storage.mail().copy(alice, aliceInbox, List.of(1L), bob, bobInbox, false)).containsExactly(new MailStore.Copied(1, 1));
        assertThat(storage.mail().copy(alice, aliceInbox, List.of(2L), bob, bobInbox, true)).containsExactly(new MailStore.Copied(2, 2));

        assertThat(storage.mail().messages(alice, aliceInbox)).extracting(MessageSummary::uid).containsExactly(1L);
        assertThat(storage.mail().messages(bob, bobInbox)).extracting(MessageSummary::uid).containsExactly(1L, 2L);
        assertThat(storage.mail().changesSince(bob, bobInbox, bobBefore)).extracting(Change::uid).containsExactly(1L, 2L);
        assertThat(storage.mail().changesSince(alice, aliceInbox, aliceBefore)).extracting(Change::kind, Change::uid)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Change.Kind.EXPUNGED, 2L));
        assertThat(storage.mail().accountSize(bob)).isPositive();
    }

    @Test
    void flagsChangeWithNewModseqs() throws Exception {
        var filed = TestMessages.deliver(storage, TestMessages.message("f", "body"), alice).get(0);
        long box = filed.mailboxId();
        long m1 = storage.mail().updateFlags(alice, box, List.of(1L), MailStore.FlagChange.ADD, Set.of("\\Seen", "$Label1"));
        assertThat(m1).isGreaterThan(filed.modseq());
        assertThat(storage.mail().messages(alice, box).get(0).flags()).containsExactlyInAnyOrder("\\Seen", "$Label1");
        assertThat(storage.mail().messages(alice, box).get(0).modseq()).isEqualTo(m1);

        assertThat(storage.mail().updateFlags(alice, box, List.of(1L), MailStore.FlagChange.ADD, Set.of("\\Seen")))
                .as("no change, no new modseq").isZero();
        long m2 = storage.mail().updateFlags(alice, box, List.of(1L), MailStore.FlagChange.REMOVE, Set.of("\\Seen"));
        assertThat(m2).isGreaterThan(m1);
        assertThat(storage.mail().messages(alice, box).get(0).flags()).containsExactly("$Label1");
        storage.mail().updateFlags(alice, box, List.of(1L, 99L), MailStore.FlagChange.REPLACE, Set.of("\\Flagged"));
        assertThat(storage.mail().messages(alice, box).get(0).flags()).containsExactly("\\Flagged");
    }

    @Test
    void conditionalFlagChangesSkipMessagesChangedSince() throws Exception {
        TestMessages.deliver(storage, TestMessages.message("u1", "x"), alice);
        TestMessages.deliver(storage, TestMessages.message("u2", "y"), alice);
        long box = inbox(alice).id();
        long before = storage.mail().highestModseq(alice);
        storage.mail().updateFlags(alice, box, List.of(2L), MailStore.FlagChange.ADD, Set.of("$Other"));
        var modified = storage.mail().updateFlagsUnchangedSince(alice, box, List.of(1L, 2L), MailStore.FlagChange.ADD, Set.of("\\Seen"), before);
        assertThat(modified).containsExactly(2L);
        assertThat(storage.mail().messages(alice, box)).extracting(MessageSummary::flags)
                .containsExactly(Set.of("\\Seen"), Set.of("$Other"));
    }

    @Test
    void expungeDeletedLeavesWhatIsNoLongerDeleted() throws Exception {
        for (int i = 0; i < 3; i++) TestMessages.deliver(storage, TestMessages.message("d" + i, "body"), alice);
        long box = inbox(alice).id();
        storage.mail().updateFlags(alice, box, List.of(1L, 2L), MailStore.FlagChange.ADD, Set.of("\\Deleted"));
        // Another session takes \Deleted off message 2 after this one saw it set.
        storage.mail().updateFlags(alice, box, List.of(2L), MailStore.FlagChange.REMOVE, Set.of("\\Deleted"));

        long modseq = storage.mail().expungeDeleted(alice, box, List.of(1L, 2L, 3L, 9L));
        assertThat(modseq).isPositive();
        assertThat(storage.mail().messages(alice, box)).extracting(MessageSummary::uid).containsExactly(2L, 3L);
        assertThat(storage.mail().changesSince(alice, box, modseq - 1)).extracting(Change::kind, Change::uid)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Change.Kind.EXPUNGED, 1L));
        assertThat(storage.mail().expungeDeleted(alice, box, List.of(2L, 3L))).as("nothing deleted: no write").isZero();
    }

    @Test
    void changeLogKeepsAdditionsFlagChangesAndExpunges() throws Exception {
        long start = storage.mail().highestModseq(alice);
        TestMessages.deliver(storage, TestMessages.message("a", "1"), alice);
        TestMessages.deliver(storage, TestMessages.message("b", "2"), alice);
        long box = inbox(alice).id();
        storage.mail().updateFlags(alice, box, List.of(2L), MailStore.FlagChange.ADD, Set.of("\\Deleted"));
        long expunged = storage.mail().expunge(alice, box, List.of(2L, 7L));

        List<Change> changes = storage.mail().changesSince(alice, start);
        // Each addition or flag change carries the flags it left, so a reader of the log need not read the message.
        assertThat(changes).extracting(Change::kind, Change::uid, Change::flags).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Change.Kind.ADDED, 1L, Set.of()),
                org.assertj.core.groups.Tuple.tuple(Change.Kind.ADDED, 2L, Set.of()),
                org.assertj.core.groups.Tuple.tuple(Change.Kind.FLAGS, 2L, Set.of("\\Deleted")),
                org.assertj.core.groups.Tuple.tuple(Change.Kind.EXPUNGED, 2L, Set.of()));
        assertThat(changes).extracting(Change::modseq).isSorted().doesNotHaveDuplicates();
        assertThat(storage.mail().highestModseq(alice)).isEqualTo(expunged);
        assertThat(storage.mail().changesSince(alice, expunged)).isEmpty();
        assertThat(storage.mail().changesSince(bob, 0)).as("another account's log").isEmpty();
    }

    @Test
    void oneMessageForManyRecipientsIsStoredOnce() throws Exception {
        byte[] bytes = TestMessages.message("shared", "hello both");
        var filed = TestMessages.deliver(storage, bytes, alice, bob);
        assertThat(filed).hasSize(2);
        String blobA = storage.mail().messages(alice, inbox(alice).id()).get(0).blobId();
        String blobB = storage.mail().messages(bob, inbox(bob).id()).get(0).blobId();
        assertThat(blobA).isEqualTo(blobB);
        assertThat(storage.blobs().read(blobA)).isEqualTo(bytes);

    }

    @Test
    void blobsWithoutReferencesAreCollectedAfterTheGracePeriod() throws Exception {
        var shared = TestMessages.deliver(storage, TestMessages.message("shared", "for both"), alice, bob);
        var own = TestMessages.deliver(storage, TestMessages.message("own", "alice only"), alice).get(0);
        String sharedBlob = storage.mail().messages(bob, shared.get(1).mailboxId()).get(0).blobId();
        String ownBlob = storage.mail().messages(alice, own.mailboxId()).get(1).blobId();

        storage.mail().deleteAccountData(alice);
        assertThat(storage.mail().mailboxes(alice)).isEmpty();
        assertThat(storage.mail().highestModseq(alice)).as("the account row itself is the directory's").isPositive();
        assertThat(storage.mail().collectBlobs(Instant.now().minusSeconds(3600))).as("within the grace period").isZero();
        assertThat(storage.blobs().exists(ownBlob)).isTrue();

        assertThat(storage.mail().collectBlobs(Instant.now().plusSeconds(1))).isEqualTo(1);
        assertThat(storage.blobs().exists(ownBlob)).isFalse();
        assertThat(storage.blobs().exists(sharedBlob)).as("bob still has it").isTrue();

        storage.mail().expunge(bob, shared.get(1).mailboxId(), List.of(shared.get(1).uid()));
        assertThat(storage.mail().collectBlobs(Instant.now().plusSeconds(1))).isEqualTo(1);
        assertThat(storage.blobs().exists(sharedBlob)).isFalse();
        assertThat(storage.mail().collectBlobs(Instant.now().plusSeconds(1))).as("nothing left to collect").isZero();

        // A delivery of a blob collected after it was written is refused rather than filed without bytes.
        var parsed = mailroom.core.mime.MessageParser.parse(TestMessages.message("shared", "for both"));
        assertThatThrownBy(() -> storage.mail().deliver(new Delivery(sharedBlob, Instant.now(), parsed),
                List.of(new Delivery.Target(bob, Mailbox.INBOX, Set.of())))).isInstanceOf(StorageException.class);
    }

    @Test
    void aBlobThatRegainedAReferenceIsKept() throws Exception {
        byte[] bytes = TestMessages.message("again", "same bytes");
        var first = TestMessages.deliver(storage, bytes, alice).get(0);
        storage.mail().expunge(alice, first.mailboxId(), List.of(first.uid()));
        TestMessages.deliver(storage, bytes, bob);
        assertThat(storage.mail().collectBlobs(Instant.now().plusSeconds(1))).isZero();
        assertThat(storage.blobs().read(storage.mail().messages(bob, inbox(bob).id()).get(0).blobId())).isEqualTo(bytes);
    }

    @Test
    void deliveryIsAllOrNothing() throws Exception {
        byte[] bytes = TestMessages.message("atomic", "x");
        assertThatThrownBy(() -> TestMessages.deliver(storage, bytes, alice, 424242L)).isInstanceOf(StorageException.class);
        assertThat(storage.mail().messages(alice, inbox(alice).id())).isEmpty();
        assertThat(storage.mail().highestModseq(alice)).isZero();
    }

    @Test
    void structureIsKeptAsParsed() throws Exception {
        byte[] bytes = ("From: a@example.test\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
                + "--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBO\r\n--XX--\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        var filed = TestMessages.deliver(storage, bytes, alice).get(0);
        var parsed = storage.mail().structure(alice, filed.mailboxId(), filed.uid()).orElseThrow();
        assertThat(parsed).isEqualTo(mailroom.core.mime.MessageParser.parse(bytes));
        assertThat(parsed.root().parts()).extracting(p -> p.type() + "/" + p.subtype()).containsExactly("text/plain", "image/png");
        assertThat(storage.mail().structure(alice, filed.mailboxId(), 99)).isEmpty();
    }

    @Test
    void concurrentDeliveriesToOneMailboxGetDistinctUids() throws Exception {
        int threads = 8, each = 25;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) TestMessages.deliver(storage, TestMessages.message("c" + thread + "-" + i, "x"), alice);
                    return null;
                }));
            }
            for (var f : done) f.get(60, TimeUnit.SECONDS);
        }
        var uids = storage.mail().messages(alice, inbox(alice).id()).stream().map(MessageSummary::uid).toList();
        assertThat(uids).hasSize(threads * each).doesNotHaveDuplicates().isSorted();
        assertThat(uids.get(uids.size() - 1)).isEqualTo((long) threads * each);
        assertThat(inbox(alice).uidNext()).isEqualTo(threads * each + 1);
    }

    @Test
    void writesAreAnnouncedOnTheEventBus() throws Exception {
        List<MailboxEvent> seen = new CopyOnWriteArrayList<>();
        try (var ignored = storage.events().subscribe(alice, seen::add)) {
            var filed = TestMessages.deliver(storage, TestMessages.message("e", "x"), alice, bob).get(0);
            assertThat(seen).containsExactly(new MailboxEvent(alice, filed.mailboxId(), filed.modseq()));
        }
        TestMessages.deliver(storage, TestMessages.message("e2", "x"), alice);
        assertThat(seen).hasSize(1);
    }

    @Test
    void directoryFindsAccountsIgnoringCaseAndRefusesDuplicates() {
        assertThat(storage.directory().account("ALICE", "Example.TEST")).map(Account::id).contains(alice);
        assertThatThrownBy(() -> storage.directory().addAccount("Alice", "example.test", "h")).isInstanceOf(Directory.AlreadyExists.class);
        assertThatThrownBy(() -> storage.directory().addAccount("carol", "elsewhere.test", "h")).isInstanceOf(StorageException.class);
        assertThat(storage.directory().isLocalDomain("example.test")).isTrue();
        assertThat(storage.directory().isLocalDomain("elsewhere.test")).isFalse();
        assertThat(storage.directory().setPassword(bob, "new")).isTrue();
        assertThat(storage.directory().account(bob)).map(Account::passwordHash).contains("new");
        assertThat(storage.directory().account(bob).orElseThrow().quotaBytes()).isZero();
        assertThat(storage.directory().setQuota(bob, 1_000_000)).isTrue();
        Account limited = storage.directory().account("bob", "example.test").orElseThrow();
        assertThat(limited.quotaBytes()).isEqualTo(1_000_000);
        assertThat(limited.overQuota(999_000, 1000)).isFalse();
        assertThat(limited.overQuota(999_000, 1001)).isTrue();
        assertThat(storage.directory().deleteAccount(bob)).isTrue();
        assertThat(storage.directory().accounts()).extracting(Account::username).containsExactly("alice");
    }

    @Test
    void queueLeasesEntriesUntilTheyExpire() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        var envelope = new Queue.Envelope("a@example.test", List.of(new Queue.Rcpt("x@remote.test", "SUCCESS,FAILURE", "rfc822;list@example.test"),
                Queue.Rcpt.of("y@remote.test")), "env-1", "HDRS");
        long id = storage.queue().enqueue(envelope, "0".repeat(64), now);
        var claimed = storage.queue().claim("sorter1", now, Duration.ofMinutes(1), 10);
        assertThat(claimed).extracting(Queue.Entry::id).containsExactly(id);
        assertThat(claimed.get(0).envelope()).isEqualTo(envelope);
        assertThat(claimed.get(0).token()).isNotBlank();
        assertThat(storage.queue().claim("sorter2", now.plusSeconds(30), Duration.ofMinutes(1), 10)).as("leased").isEmpty();
        assertThat(storage.queue().claim("sorter2", now.plusSeconds(61), Duration.ofMinutes(1), 10)).as("lease expired").hasSize(1);

        storage.queue().finish(id, "sorter2", List.of(new Queue.Delivered("x@remote.test"),
                new Queue.Deferred("y@remote.test", "451 try later", now.plusSeconds(600))));
        var entry = storage.queue().entry(id).orElseThrow();
        assertThat(entry.recipients()).extracting(Queue.Recipient::state).containsExactly(Queue.State.DELIVERED, Queue.State.PENDING);
        assertThat(entry.recipients().get(1).lastError()).isEqualTo("451 try later");
        assertThat(entry.recipients().get(1).attempts()).isEqualTo(1);
        assertThat(storage.queue().claim("sorter1", now.plusSeconds(100), Duration.ofMinutes(1), 10)).as("not due yet").isEmpty();
        assertThat(storage.queue().retryNow(id, now.plusSeconds(100))).isTrue();
        assertThat(storage.queue().claim("sorter1", now.plusSeconds(100), Duration.ofMinutes(1), 10)).as("retry now").hasSize(1);
        assertThat(storage.queue().releaseAll("sorter1")).isEqualTo(1);
        assertThat(storage.queue().claim("sorter2", now.plusSeconds(101), Duration.ofMinutes(1), 10)).as("released").hasSize(1);

        storage.queue().finish(id, "sorter2", List.of(new Queue.Failed("y@remote.test", "550 no such user")));
        assertThat(storage.queue().list()).as("nothing pending: removed").isEmpty();
        assertThat(storage.queue().delete(id)).isFalse();
    }

    @Test
    void onceKeysFileACopyOnlyOnce() throws Exception {
        byte[] bytes = TestMessages.message("once", "body");
        String blob;
        try (var writer = storage.blobs().create()) {
            writer.stream().write(bytes);
            blob = writer.commit();
        }
        var delivery = new Delivery(blob, Instant.now(), mailroom.core.mime.MessageParser.parse(bytes));
        var target = new Delivery.Target(alice, Mailbox.INBOX, Set.of(), "token-1:alice@example.test");
        assertThat(storage.mail().deliver(delivery, List.of(target))).hasSize(1);
        assertThat(storage.mail().deliver(delivery, List.of(target))).as("same key again").isEmpty();
        assertThat(storage.mail().deliver(delivery, List.of(new Delivery.Target(alice, Mailbox.INBOX, Set.of(), "token-2:alice@example.test")))).hasSize(1);
        assertThat(storage.mail().forgetDeliveryKeys(Instant.now().plusSeconds(1))).isEqualTo(2);
        assertThat(storage.mail().deliver(delivery, List.of(target))).as("forgotten").hasSize(1);
    }

    @Test
    void aliasesAndDkimKeys() {
        var sales = new Directory.Alias("sales", "example.test", List.of("alice@example.test", "bob@remote.test"));
        storage.directory().setAlias(sales);
        storage.directory().setAlias(new Directory.Alias("*", "example.test", List.of("alice@example.test")));
        assertThat(storage.directory().alias("SALES", "Example.Test")).contains(sales);
        assertThat(storage.directory().aliases()).extracting(Directory.Alias::localPart).containsExactly("*", "sales");
        storage.directory().setAlias(new Directory.Alias("sales", "example.test", List.of("bob@example.test")));
        assertThat(storage.directory().alias("sales", "example.test").orElseThrow().targets()).containsExactly("bob@example.test");
        assertThat(storage.directory().deleteAlias("sales", "example.test")).isTrue();
        assertThat(storage.directory().alias("sales", "example.test")).isEmpty();
        assertThatThrownBy(() -> storage.directory().setAlias(new Directory.Alias("x", "elsewhere.test", List.of("a@b.test"))))
                .isInstanceOf(StorageException.class);

        assertThat(storage.directory().dkimKey("example.test")).isEmpty();
        storage.directory().setDkimKey(new Directory.DkimKey("example.test", "s1", "KEY1"));
        storage.directory().setDkimKey(new Directory.DkimKey("example.test", "s2", "KEY2"));
        assertThat(storage.directory().dkimKey("EXAMPLE.test")).contains(new Directory.DkimKey("example.test", "s2", "KEY2"));

        assertThat(storage.directory().setScram(alice, "scram-creds")).isTrue();
        assertThat(storage.directory().account(alice).orElseThrow().scram()).isEqualTo("scram-creds");
    }

    @Test
    void blobsAreContentAddressedAndInvisibleUntilCommitted() throws Exception {
        byte[] bytes = "some bytes\r\n".getBytes(StandardCharsets.US_ASCII);
        String id;
        try (var w = storage.blobs().create()) {
            w.stream().write(bytes);
            assertThat(w.size()).isEqualTo(bytes.length);
            id = w.commit();
        }
        assertThat(id).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        try (var w = storage.blobs().create()) {
            w.stream().write(bytes);
            assertThat(w.commit()).isEqualTo(id);
        }
        try (var range = storage.blobs().open(id, 5, 5)) {
            assertThat(range.readAllBytes()).isEqualTo("bytes".getBytes(StandardCharsets.US_ASCII));
        }
        try (var w = storage.blobs().create()) {
            w.stream().write("abandoned".getBytes(StandardCharsets.US_ASCII));
        }
        String abandoned = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("abandoned".getBytes(StandardCharsets.US_ASCII)));
        assertThat(storage.blobs().exists(abandoned)).isFalse();
        storage.blobs().delete(id);
        assertThat(storage.blobs().exists(id)).isFalse();
    }

    @Test
    void nodesAndRoutesMoveTheZoneSerial() {
        Routing dir = storage.directory();
        long start = dir.zoneSerial();
        Instant now = Instant.now();
        dir.heartbeat("store1", Set.of("store"), "127.0.1.1", now);
        long afterJoin = dir.zoneSerial();
        assertThat(afterJoin).as("a new node changes the zone").isGreaterThan(start);
        dir.heartbeat("store1", Set.of("store"), "127.0.1.1", now.plusSeconds(5));
        assertThat(dir.zoneSerial()).as("a heartbeat alone does not").isEqualTo(afterJoin);
        dir.heartbeat("sorter1", Set.of("sorter"), "127.0.2.1", now);
        var nodes = dir.nodes();
        assertThat(nodes).extracting(Routing.Node::name).containsExactly("sorter1", "store1");
        var store1 = nodes.get(1);
        assertThat(store1.roles()).containsExactly("store");
        assertThat(store1.heartbeat()).isEqualTo(Instant.ofEpochMilli(now.plusSeconds(5).toEpochMilli()));
        assertThat(store1.aliveAt(now.plusSeconds(14), Duration.ofSeconds(10))).isTrue();
        assertThat(store1.aliveAt(now.plusSeconds(16), Duration.ofSeconds(10))).isFalse();

        long before = dir.zoneSerial();
        dir.setRoutes(java.util.Map.of("a", "store1", "b", "store1", Routing.OTHER, "store1"));
        assertThat(dir.routes()).containsExactly(java.util.Map.entry(Routing.OTHER, "store1"), java.util.Map.entry("a", "store1"), java.util.Map.entry("b", "store1"));
        dir.setRoutes(java.util.Map.of("b", "store2"));
        assertThat(dir.routes()).containsEntry("b", "store2").containsEntry("a", "store1");
        assertThat(dir.zoneSerial()).isEqualTo(before + 2);
        assertThatThrownBy(() -> dir.setRoutes(java.util.Map.of("ab", "store1"))).isInstanceOf(IllegalArgumentException.class);

        dir.setAccountRoute(alice, "store2");
        assertThat(dir.accountRoutes()).containsExactly(java.util.Map.entry(alice, "store2"));
        dir.setAccountRoute(alice, null);
        assertThat(dir.accountRoutes()).isEmpty();
        storage.directory().addAccount("7seas", "example.test", "hash");
        storage.directory().addAccount("Anna", "example.test", "hash");
        assertThat(dir.accountsByKey()).containsExactly(java.util.Map.entry(Routing.OTHER, 1L), java.util.Map.entry("a", 2L), java.util.Map.entry("b", 1L));
        assertThat(Routing.keyOf("Zed")).isEqualTo("z");
        assertThat(Routing.keyOf("_x")).isEqualTo(Routing.OTHER);

        assertThat(dir.setDraining("store1", true)).isTrue();
        assertThat(dir.nodes().get(1).draining()).isTrue();
        assertThat(dir.setDraining("nonesuch", true)).isFalse();
        long beforeRemove = dir.zoneSerial();
        assertThat(dir.removeNode("sorter1")).isTrue();
        assertThat(dir.nodes()).extracting(Routing.Node::name).containsExactly("store1");
        assertThat(dir.bumpZoneSerial()).isEqualTo(beforeRemove + 2);
    }

    @Test
    void adminsTokensAndTheAuditLog() {
        Administration admin = storage.directory();
        assertThat(storage.directory().account(alice).orElseThrow().admin()).isFalse();
        assertThat(admin.setAdmin(alice, true)).isTrue();
        assertThat(storage.directory().account(alice).orElseThrow().admin()).isTrue();
        assertThat(storage.directory().account("bob", "example.test").orElseThrow().admin()).isFalse();

        admin.addAdminToken("backup-script", "hash-1", Instant.now());
        assertThatThrownBy(() -> admin.addAdminToken("backup-script", "hash-2", Instant.now())).isInstanceOf(Directory.AlreadyExists.class);
        assertThat(admin.adminTokenName("hash-1")).contains("backup-script");
        assertThat(admin.adminTokenName("hash-2")).isEmpty();
        assertThat(admin.adminTokens()).containsExactly("backup-script");
        assertThat(admin.deleteAdminToken("backup-script")).isTrue();
        assertThat(admin.adminTokenName("hash-1")).isEmpty();

        Instant at = Instant.ofEpochMilli(1_800_000_000_000L);
        admin.audit(at, "alice@example.test", "POST /api/v1/accounts", "carol@example.test");
        admin.audit(at.plusSeconds(1), "token:backup-script", "DELETE /api/v1/queue/7", "");
        var log = admin.auditLog(10);
        assertThat(log).extracting(Administration.AuditEntry::actor).containsExactly("token:backup-script", "alice@example.test");
        assertThat(log.get(1).at()).isEqualTo(at);
        assertThat(admin.auditLog(1)).hasSize(1);
    }

    /**
     * kill -9 in the middle of deliveries, at random moments, several times over: every delivery the
     * child saw acknowledged is there, and every message row points to a complete blob.
     */
    private Import imported(String mailbox, String subject, long uid, String item, String... flags) throws Exception {
        byte[] bytes = TestMessages.message(subject, "imported");
        String blob;
        try (var writer = storage.blobs().create()) {
            writer.stream().write(bytes);
            blob = writer.commit();
        }
        var key = item == null ? null : new Import.Key("imap://source", mailbox, 777, item);
        return new Import(mailbox, blob, mailroom.core.mime.MessageParser.parse(bytes), Instant.parse("2020-02-03T04:05:06Z"), Set.of(flags), uid, key);
    }

    @Test
    void importsKeepTheSourcesUidsAndUidValidityAndNeverFileAJournaledMessageTwice() throws Exception {
        Mailbox lists = storage.mail().createMailbox(alice, "Lists/foo", null, 777);
        assertThat(lists.uidValidity()).isEqualTo(777);
        var batch = List.of(imported("Lists/foo", "a", 5, "5", "\\Seen", "$Label1"), imported("Lists/foo", "b", 9, "9"), imported("Lists/foo", "c", 0, null));
        var outcomes = storage.mail().importMessages(alice, batch);
        assertThat(outcomes).allMatch(o -> o instanceof Import.Filed);
        assertThat(outcomes).extracting(o -> ((Import.Filed) o).uid()).containsExactly(5L, 9L, 10L);
        Mailbox after = storage.mail().mailbox(alice, "Lists/foo").orElseThrow();
        assertThat(after.uidNext()).isEqualTo(11);
        var messages = storage.mail().messages(alice, after.id());
        assertThat(messages.getFirst().flags()).containsExactlyInAnyOrder("\\Seen", "$Label1");
        assertThat(messages.getFirst().internalDate()).isEqualTo(Instant.parse("2020-02-03T04:05:06Z"));
        assertThat(storage.mail().structure(alice, after.id(), 9).orElseThrow().envelope().subject()).isEqualTo("b");
        assertThat(storage.mail().changesSince(alice, 0)).extracting(Change::uid).contains(5L, 9L, 10L);
        assertThat(storage.mail().changesSince(alice, 0)).filteredOn(c -> c.uid() == 5L).extracting(Change::flags)
                .containsExactly(Set.of("\\Seen", "$Label1"));

        // A rerun: the journaled ones are skipped; a UID below UIDNEXT takes the next one.
        var again = storage.mail().importMessages(alice, List.of(imported("Lists/foo", "a", 5, "5"), imported("Lists/foo", "d", 7, "7")));
        assertThat(again.get(0)).isEqualTo(new Import.AlreadyImported(after.id(), 5));
        assertThat(again.get(1)).isInstanceOf(Import.Filed.class).extracting(o -> ((Import.Filed) o).uid()).isEqualTo(11L);
        assertThat(storage.mail().importedItems(alice, "imap://source", "Lists/foo", 777)).containsExactlyInAnyOrder("5", "9", "7");
        assertThat(storage.mail().importedItems(alice, "imap://source", "Lists/foo", 778)).isEmpty();
        assertThat(storage.mail().messages(alice, after.id())).hasSize(4);

        // A missing mailbox is created on the way.
        var created = storage.mail().importMessages(bob, List.of(imported("Archive/2019", "x", 0, "1")));
        assertThat(created.getFirst()).isInstanceOf(Import.Filed.class);
        assertThat(storage.mail().mailbox(bob, "Archive/2019")).isPresent();
    }

    @Test
    void uidValidityIsSetOnlyOnAMailboxThatNeverHeldMail() throws Exception {
        Mailbox inbox = inbox(alice);
        assertThat(storage.mail().setUidValidity(alice, inbox.id(), 4242)).isTrue();
        assertThat(inbox(alice).uidValidity()).isEqualTo(4242);
        TestMessages.deliver(storage, TestMessages.message("m", "b"), alice);
        storage.mail().expunge(alice, inbox.id(), List.of(1L));
        assertThat(storage.mail().setUidValidity(alice, inbox.id(), 99)).as("a UID was handed out").isFalse();
        assertThat(inbox(alice).uidValidity()).isEqualTo(4242);
    }

    @Test
    void importsStopAtTheQuotaAndSayWhich() throws Exception {
        long size = TestMessages.message("a", "imported").length;
        storage.directory().setQuota(alice, size * 2 + size / 2);
        var outcomes = storage.mail().importMessages(alice, List.of(imported("INBOX", "a", 0, "1"), imported("INBOX", "b", 0, "2"), imported("INBOX", "c", 0, "3")));
        assertThat(outcomes.subList(0, 2)).allMatch(o -> o instanceof Import.Filed);
        assertThat(outcomes.get(2)).isInstanceOf(Import.OverQuota.class);
        assertThat(storage.mail().importedItems(alice, "imap://source", "INBOX", 777)).containsExactlyInAnyOrder("1", "2");
    }

    /** Files bytes into a mailbox of an account with a chosen internal date. */
    private Delivery.Filed file(long account, String mailbox, String message, Instant receivedAt) throws Exception {
        byte[] bytes = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String blob;
        try (var writer = storage.blobs().create()) {
            writer.stream().write(bytes);
            blob = writer.commit();
        }
        return storage.mail().deliver(new Delivery(blob, receivedAt, mailroom.core.mime.MessageParser.parse(bytes)),
                List.of(new Delivery.Target(account, mailbox, Set.of()))).get(0);
    }

    private long threadOf(long account, Delivery.Filed f) {
        return storage.mail().messages(account, f.mailboxId(), List.of(f.uid())).get(0).threadId();
    }

    @Test
    void repliesJoinTheThreadOfTheMessageTheyNameAndCopiesKeepIt() throws Exception {
        Instant t = Instant.parse("2026-01-01T10:00:00Z");
        var root = file(alice, Mailbox.INBOX, "Message-ID: <root@example.net>\r\nSubject: plans\r\n\r\nx\r\n", t);
        var unrelated = file(alice, Mailbox.INBOX, "Message-ID: <other@example.net>\r\nSubject: plans\r\n\r\nx\r\n", t.plusSeconds(1));
        storage.mail().createMailbox(alice, "Sent", null);
        var reply = file(alice, "Sent", "Message-ID: <reply@example.test>\r\nIn-Reply-To: <root@example.net>\r\nSubject: Re: plans\r\n\r\nx\r\n", t.plusSeconds(3));
        var deep = file(alice, Mailbox.INBOX, "Message-ID: <deep@example.net>\r\nReferences: <gone@example.net>\r\n <root@example.net> <reply@example.test>\r\n\r\nx\r\n", t.plusSeconds(2));
        var bobs = file(bob, Mailbox.INBOX, "Message-ID: <b@example.net>\r\nIn-Reply-To: <root@example.net>\r\n\r\nx\r\n", t);

        long thread = threadOf(alice, root);
        assertThat(thread).isEqualTo((root.mailboxId() << 32) | root.uid());
        assertThat(threadOf(alice, reply)).isEqualTo(thread);
        assertThat(threadOf(alice, deep)).isEqualTo(thread);
        assertThat(threadOf(alice, unrelated)).as("same subject is not enough").isNotEqualTo(thread);
        assertThat(threadOf(bob, bobs)).as("threads are per account").isEqualTo((bobs.mailboxId() << 32) | bobs.uid());
        assertThat(storage.mail().thread(alice, thread)).as("oldest first, across mailboxes")
                .extracting(MailStore.Located::uid, MailStore.Located::mailboxId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(root.uid(), root.mailboxId()), org.assertj.core.groups.Tuple.tuple(deep.uid(), deep.mailboxId()),
                        org.assertj.core.groups.Tuple.tuple(reply.uid(), reply.mailboxId()));

        storage.mail().createMailbox(alice, "Archive", null);
        long archive = storage.mail().mailbox(alice, "Archive").orElseThrow().id();
        var moved = storage.mail().copy(alice, root.mailboxId(), List.of(root.uid()), archive, true);
        assertThat(storage.mail().messages(alice, archive, List.of(moved.get(0).targetUid())).get(0).threadId()).as("a move keeps the thread").isEqualTo(thread);
        var again = file(alice, Mailbox.INBOX, "Message-ID: <late@example.net>\r\nIn-Reply-To: <root@example.net>\r\n\r\nx\r\n", t.plusSeconds(9));
        assertThat(threadOf(alice, again)).as("the moved root is still found by its Message-ID").isEqualTo(thread);
        assertThat(storage.mail().thread(alice, thread)).hasSize(4);
    }

    @Test
    void aMailboxIsPagedNewestFirst() throws Exception {
        Instant t = Instant.parse("2026-01-01T10:00:00Z");
        long[] seconds = {5, 1, 9, 3, 9, 7};
        List<Delivery.Filed> filed = new ArrayList<>();
        for (long s : seconds) filed.add(file(alice, Mailbox.INBOX, "Subject: m" + s + "\r\n\r\nx\r\n", t.plusSeconds(s)));
        long box = inbox(alice).id();
        // by date descending; the two at 9 s by UID descending
        assertThat(storage.mail().newestFirst(alice, box, 0, 10)).extracting(MailStore.Located::uid).containsExactly(5L, 3L, 6L, 1L, 4L, 2L);
        assertThat(storage.mail().newestFirst(alice, box, 2, 3)).extracting(MailStore.Located::uid).containsExactly(6L, 1L, 4L);
        assertThat(storage.mail().newestFirst(alice, box, 2, 3).get(0).internalDate()).isEqualTo(t.plusSeconds(7));
        assertThat(storage.mail().newestFirst(alice, box, 6, 3)).isEmpty();
        assertThat(storage.mail().newestFirst(bob, inbox(bob).id(), 0, 10)).isEmpty();
    }

    @Test
    void identitiesAreStoredPerAccountWithIdsNeverGivenTwice() {
        var ids = storage.identities();
        assertThat(ids.list(alice)).isEmpty();
        assertThat(ids.version(alice)).isZero();
        var work = ids.create(alice, new Identities.Identity(0, "Alice at work", "alice+work@example.test", "[{\"name\":null,\"email\":\"desk@example.test\"}]", null, "-- A", ""));
        var other = ids.create(alice, new Identities.Identity(0, "Alias", "info@example.test", null, null, "", "<p>A</p>"));
        assertThat(work.id()).isPositive();
        assertThat(other.id()).isGreaterThan(work.id());
        long v = ids.version(alice);
        assertThat(v).isPositive();
        assertThat(ids.get(alice, work.id())).contains(work);
        assertThat(ids.list(bob)).isEmpty();
        assertThat(ids.get(bob, work.id())).isEmpty();

        assertThat(ids.update(alice, new Identities.Identity(work.id(), "Work", work.email(), null, null, "", ""))).isTrue();
        assertThat(ids.get(alice, work.id()).orElseThrow().name()).isEqualTo("Work");
        assertThat(ids.version(alice)).isGreaterThan(v);
        assertThat(ids.update(alice, new Identities.Identity(999, "x", "x@example.test", null, null, "", ""))).isFalse();
        assertThat(ids.update(alice, new Identities.Identity(0, "Alice", "alice@example.test", null, null, "sig", ""))).as("the own identity, stored on first change").isTrue();
        assertThat(ids.list(alice)).extracting(Identities.Identity::id).containsExactly(0L, work.id(), other.id());

        assertThat(ids.delete(alice, other.id())).isTrue();
        assertThat(ids.delete(alice, other.id())).isFalse();
        assertThat(ids.delete(bob, work.id())).isFalse();
        assertThat(ids.create(alice, new Identities.Identity(0, "new", "alice@example.test", null, null, "", "")).id()).as("not reused").isGreaterThan(other.id());
        assertThat(ids.version(bob)).isZero();
    }

    @Test
    void aQueuedEntryIsCalledBackOnlyBeforeItsFirstAttempt() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        var envelope = Queue.Envelope.of("a@example.test", List.of("x@remote.test"));
        long later = storage.queue().enqueue(envelope, "1".repeat(64), now.plusSeconds(3600));
        assertThat(storage.queue().claim("sorter1", now, Duration.ofMinutes(1), 10)).as("not due before its time").isEmpty();
        assertThat(storage.queue().cancel(later, now)).isTrue();
        assertThat(storage.queue().entry(later)).isEmpty();
        assertThat(storage.queue().cancel(later, now)).isFalse();

        long leased = storage.queue().enqueue(envelope, "2".repeat(64), now);
        assertThat(storage.queue().claim("sorter1", now, Duration.ofMinutes(1), 10)).hasSize(1);
        assertThat(storage.queue().cancel(leased, now.plusSeconds(1))).as("a sorter holds it").isFalse();
        storage.queue().finish(leased, "sorter1", List.of(new Queue.Deferred("x@remote.test", "451 later", now.plusSeconds(600))));
        assertThat(storage.queue().cancel(leased, now.plusSeconds(2))).as("an attempt was made").isFalse();
        assertThat(storage.queue().entry(leased)).isPresent();
    }

    /**
     * Issue 15: a deleted account left rows behind, and SQLite gave its id to the next account,
     * which then saw them (a subscribed folder in its LSUB). Every table the database's catalog shows
     * keyed by account (an account_id column, or a foreign key to accounts) is filled here first,
     * so a new such table fails this test until it is filled here and emptied by the delete.
     */
    @Test
    void deletingAnAccountLeavesNoRowInAnyTableKeyedByAccountAndItsIdIsNeverGivenAgain() throws Exception {
        long carol = storage.directory().addAccount("carol", "example.test", "hash").id();
        storage.mail().createMailbox(carol, Mailbox.INBOX, null);
        storage.mail().createMailbox(carol, "Private", null);
        storage.mail().setSubscribed(carol, "Private", true);
        String blob;
        byte[] bytes = TestMessages.message("for carol", "body");
        try (var writer = storage.blobs().create()) {
            writer.stream().write(bytes);
            blob = writer.commit();
        }
        storage.mail().deliver(new Delivery(blob, Instant.now(), mailroom.core.mime.MessageParser.parse(bytes)),
                List.of(new Delivery.Target(carol, Mailbox.INBOX, Set.of(), "queue-token:" + carol), new Delivery.Target(alice, Mailbox.INBOX, Set.of())));
        storage.mail().importMessages(carol, List.of(new Import(Mailbox.INBOX, blob, mailroom.core.mime.MessageParser.parse(bytes), Instant.now(),
                Set.of(), 0, new Import.Key("imap://source", "INBOX", 1, "1"))));
        storage.sieve().put(carol, "rules", "keep;");
        storage.sieve().claimResponse(carol, "vacation", "someone@remote.test", Instant.now(), Duration.ofDays(7));
        storage.directory().setAccountRoute(carol, "store2");
        long carolInbox = inbox(carol).id();
        storage.sharing().setRights(carol, carolInbox, "alice@example.test", new Rights("lr"));
        storage.sharing().setSharedSeen(carol, carolInbox, true);
        storage.sharing().setSeenBy(carol, carolInbox, alice, List.of(1L), true);
        storage.sharing().setRights(alice, inbox(alice).id(), "carol@example.test", new Rights("lr")); // carol as a reader
        storage.sharing().setSeenBy(alice, inbox(alice).id(), carol, List.of(1L), true);
        storage.identities().create(carol, new Identities.Identity(0, "Carol", "carol@example.test", null, null, "", ""));
        storage.sharing().addNotification(new Sharing.Notification(0, carol, Instant.now(), alice, "alice@example.test", "alice@example.test",
                alice, inbox(alice).id(), Mailbox.INBOX, Rights.NONE, new Rights("lr")));
        storage.sharing().addNotification(new Sharing.Notification(0, alice, Instant.now(), carol, "carol@example.test", "carol@example.test",
                carol, carolInbox, Mailbox.INBOX, Rights.NONE, new Rights("lr"))); // about carol's mailbox

        try (var c = database()) {
            var keyed = accountKeyedTables(c);
            assertThat(keyed.keySet()).as("the catalog shows the tables known to be keyed by account")
                    .contains("messages", "mailboxes", "subscriptions", "account_routes");
            for (var table : keyed.entrySet()) {
                assertThat(rows(c, table.getKey(), table.getValue(), carol))
                        .as("table %s is keyed by account: fill it in this test, and empty it in deleteAccountData (SqlMailStore.ACCOUNT_TABLES)", table.getKey())
                        .isPositive();
            }
            assertThat(new Accounts(storage, "example.test").delete("carol@example.test")).isTrue();
            for (var table : keyed.entrySet()) {
                assertThat(rows(c, table.getKey(), table.getValue(), carol)).as("rows of the deleted account left in %s", table.getKey()).isZero();
            }
        }
        assertThat(storage.mail().messages(alice, inbox(alice).id())).as("the other accounts keep their mail").hasSize(1);
        assertThat(storage.sharing().acl(alice, inbox(alice).id())).as("nor is a deleted account named in a list").isEmpty();
        assertThat(storage.sharing().seenBy(alice, inbox(alice).id(), carol)).isEmpty();
        assertThat(storage.sharing().notifications(alice)).as("nor are notes about its mailboxes kept").isEmpty();

        long again = storage.directory().addAccount("carol", "example.test", "hash").id();
        long dave = storage.directory().addAccount("dave", "example.test", "hash").id();
        assertThat(again).as("a new account never gets a deleted one's id").isGreaterThan(carol);
        assertThat(dave).isGreaterThan(again);
        assertThat(storage.mail().subscriptions(again)).isEmpty();
        assertThat(storage.mail().mailboxes(again)).isEmpty();
        assertThat(storage.directory().accountRoutes()).doesNotContainKey(again);
    }

    /** Table name to the column that names the account, from the JDBC catalog (both drivers answer it). */
    private static java.util.Map<String, String> accountKeyedTables(java.sql.Connection c) throws java.sql.SQLException {
        var tables = new java.util.TreeMap<String, String>();
        var meta = c.getMetaData();
        try (var rs = meta.getColumns(null, null, "%", "account_id")) {
            while (rs.next()) tables.put(rs.getString("TABLE_NAME").toLowerCase(java.util.Locale.ROOT), "account_id");
        }
        try (var rs = meta.getExportedKeys(null, null, "accounts")) {
            while (rs.next()) tables.putIfAbsent(rs.getString("FKTABLE_NAME").toLowerCase(java.util.Locale.ROOT), rs.getString("FKCOLUMN_NAME"));
        }
        tables.keySet().removeIf(t -> t.startsWith("flyway_"));
        return tables;
    }

    private static long rows(java.sql.Connection c, String table, String column, long account) throws java.sql.SQLException {
        try (var st = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE " + column + " = ?")) {
            st.setLong(1, account);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void killDuringDeliveryLosesNothingAcknowledgedAndLeavesNoHalfMessage() throws Exception {
        storage.close();
        Path crashDir = dir.resolve("crash");
        // The storage is made here, not by the first child: a child killed with SIGKILL stops nothing
        // it started, and on PostgreSQL that was a whole server (TestPostgres), left running after the tests.
        opener().open(crashDir).close();
        var random = new Random();
        List<Long> acknowledged = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            var child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), DeliveryLoop.class.getName(),
                    opener().getClass().getName(), crashDir.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
            long killAt = System.nanoTime() + Duration.ofMillis(200 + random.nextInt(800)).toNanos();
            String line;
            boolean started = false;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acknowledged.add(Long.parseLong(line.substring(4)));
                    if (!started) { // time the kill from the first delivery, not from JVM start
                        started = true;
                        killAt = System.nanoTime() + Duration.ofMillis(100 + random.nextInt(900)).toNanos();
                    }
                }
                if (started && System.nanoTime() > killAt) {
                    child.destroyForcibly(); // SIGKILL
                    break;
                }
            }
            child.waitFor(30, TimeUnit.SECONDS);
            assertThat(started).as("child delivered before it was killed (round " + round + ")").isTrue();
        }

        try (Storage reopened = opener().open(crashDir)) {
            long account = reopened.directory().account("crash", "example.test").orElseThrow().id();
            long box = reopened.mail().mailbox(account, Mailbox.INBOX).orElseThrow().id();
            var messages = reopened.mail().messages(account, box);
            assertThat(messages).extracting(MessageSummary::uid).containsAll(acknowledged);
            for (MessageSummary m : messages) {
                byte[] bytes = reopened.blobs().read(m.blobId());
                assertThat(bytes).hasSize((int) m.size());
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).isEqualTo(m.blobId());
            }
            assertThat(messages.size()).isGreaterThanOrEqualTo(acknowledged.size());
        }
        if (Files.isDirectory(crashDir.resolve("tmp"))) { // blobs as files: no half-written file may stay
            try (var leftovers = Files.list(crashDir.resolve("tmp"))) {
                assertThat(leftovers).as("interrupted writes are cleaned up at open").isEmpty();
            }
        }
    }

    @Test
    void aMailboxListGrantsAndTakesRightsPerIdentifier() {
        var sharing = storage.sharing();
        long inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow().id();
        sharing.setRights(alice, inbox, "bob@example.test", new Rights("lrs"));
        sharing.setRights(alice, inbox, "-anyone", new Rights("s"));
        sharing.setRights(alice, inbox, "$desk", new Rights("lrw"));
        assertThat(sharing.acl(alice, inbox)).containsOnlyKeys("bob@example.test", "-anyone", "$desk");
        assertThat(sharing.acl(alice, inbox).get("bob@example.test").letters()).isEqualTo("lrs");

        sharing.setRights(alice, inbox, "bob@example.test", new Rights("lr"));
        assertThat(sharing.acl(alice, inbox).get("bob@example.test").letters()).isEqualTo("lr");
        assertThat(sharing.entriesFor(List.of("bob@example.test", "anyone"))).extracting(Sharing.Entry::identifier)
                .containsExactlyInAnyOrder("bob@example.test", "-anyone");

        sharing.setRights(alice, inbox, "bob@example.test", Rights.NONE);
        assertThat(sharing.acl(alice, inbox)).doesNotContainKey("bob@example.test");
        assertThat(sharing.acl(bob, storage.mail().mailbox(bob, Mailbox.INBOX).orElseThrow().id())).isEmpty();
    }

    @Test
    void groupsHaveMembersAndTakeTheirEntriesWhenDeleted() {
        var sharing = storage.sharing();
        long inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow().id();
        sharing.createGroup("desk");
        sharing.createGroup("desk");
        sharing.setMember("desk", bob, true);
        sharing.setMember("desk", alice, true);
        sharing.setMember("desk", alice, false);
        sharing.createGroup("empty");
        assertThat(sharing.groups()).containsOnlyKeys("desk", "empty");
        assertThat(sharing.groups().get("desk")).containsExactly(bob);
        assertThat(sharing.groups().get("empty")).isEmpty();
        assertThat(sharing.groupsOf(bob)).containsExactly("desk");

        sharing.setRights(alice, inbox, "$desk", new Rights("lr"));
        assertThat(sharing.deleteGroup("desk")).isTrue();
        assertThat(sharing.deleteGroup("desk")).isFalse();
        assertThat(sharing.groupsOf(bob)).isEmpty();
        assertThat(sharing.acl(alice, inbox)).isEmpty();
    }

    @Test
    void seenPerReaderTakesANewModseqAndLeavesTheFlagsAlone() throws Exception {
        var sharing = storage.sharing();
        for (int i = 0; i < 3; i++) TestMessages.deliver(storage, TestMessages.message("m" + i, "body"), alice);
        Mailbox inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow();
        storage.mail().updateFlags(alice, inbox.id(), List.of(1L), MailStore.FlagChange.ADD, Set.of("$Work"));
        long before = storage.mail().highestModseq(alice);
        assertThat(sharing.sharedSeen(alice, inbox.id())).isFalse();

        long modseq = sharing.setSeenBy(alice, inbox.id(), bob, List.of(1L, 3L, 99L), true);
        assertThat(modseq).isGreaterThan(before);
        assertThat(sharing.seenBy(alice, inbox.id(), bob)).containsExactly(1L, 3L);
        assertThat(sharing.seenBy(alice, inbox.id(), alice)).isEmpty();
        assertThat(storage.mail().messages(alice, inbox.id())).allSatisfy(m -> assertThat(m.flags()).doesNotContain("\\Seen"));
        assertThat(storage.mail().changesSince(alice, inbox.id(), before)).extracting(Change::uid).containsExactly(1L, 3L);
        assertThat(storage.mail().changesSince(alice, inbox.id(), before)).as("the stored flags, unchanged").extracting(Change::flags)
                .containsExactly(Set.of("$Work"), Set.of());
        assertThat(storage.mail().messages(alice, inbox.id(), List.of(1L)).get(0).modseq()).isEqualTo(modseq);
        assertThat(sharing.setSeenBy(alice, inbox.id(), bob, List.of(1L), true)).isZero(); // already seen: no change

        sharing.setSeenBy(alice, inbox.id(), bob, List.of(1L), false);
        assertThat(sharing.seenBy(alice, inbox.id(), bob)).containsExactly(3L);

        sharing.setSharedSeen(alice, inbox.id(), true);
        assertThat(sharing.sharedSeen(alice, inbox.id())).isTrue();
        sharing.setSharedSeen(alice, inbox.id(), false);
        assertThat(sharing.sharedSeen(alice, inbox.id())).isFalse();
    }

    @Test
    void everyChangeOfAReadersRightsLeavesItANotification() {
        var shared = new mailroom.storage.sharing.SharedMailboxes(storage);
        var sharing = storage.sharing();
        Account owner = storage.directory().account(alice).orElseThrow();
        Mailbox inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow();
        sharing.createGroup("desk");
        sharing.setMember("desk", bob, true);

        shared.setRights(owner, owner, inbox, "$desk", new Rights("lr"));
        shared.setRights(owner, owner, inbox, "$desk", new Rights("lr")); // no change: no note
        shared.setRights(owner, owner, inbox, "anyone", new Rights("l")); // names everybody: tells nobody
        shared.setRights(null, owner, inbox, "bob@example.test", new Rights("lrs"));
        shared.setRights(owner, owner, inbox, "-bob@example.test", new Rights("s"));
        var notes = sharing.notifications(bob);
        assertThat(notes).extracting(n -> n.oldRights().letters() + ">" + n.newRights().letters()).containsExactly(">lr", "lr>lrs", "lrs>lr");
        assertThat(notes.get(0).changedById()).isEqualTo(alice);
        assertThat(notes.get(0).changedByEmail()).isEqualTo("alice@example.test");
        assertThat(notes.get(1).changedById()).as("the administrator").isZero();
        assertThat(notes.get(0).mailboxName()).isEqualTo(Mailbox.INBOX);
        assertThat(notes.get(0).ownerId()).isEqualTo(alice);
        assertThat(notes.get(1).id()).isGreaterThan(notes.get(0).id());
        assertThat(sharing.notifications(alice)).as("the owner is never told").isEmpty();

        assertThat(sharing.deleteNotification(bob, notes.get(0).id())).isTrue();
        assertThat(sharing.deleteNotification(bob, notes.get(0).id())).isFalse();
        assertThat(sharing.deleteNotification(alice, notes.get(1).id())).as("only its own").isFalse();
        assertThat(sharing.notifications(bob)).hasSize(2);
    }

    @Test
    void whatWasSharedGoesWithTheMailboxAndWithTheReader() throws Exception {
        var sharing = storage.sharing();
        TestMessages.deliver(storage, TestMessages.message("m", "body"), alice);
        Mailbox projects = storage.mail().createMailbox(alice, "Projects", null);
        long inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow().id();
        sharing.setRights(alice, projects.id(), "bob@example.test", new Rights("lr"));
        sharing.setRights(alice, inbox, "bob@example.test", new Rights("lrs"));
        sharing.setSeenBy(alice, inbox, bob, List.of(1L), true);
        sharing.createGroup("desk");
        sharing.setMember("desk", bob, true);

        assertThat(storage.mail().mailbox(alice, projects.id())).map(Mailbox::name).contains("Projects");
        storage.mail().deleteMailbox(alice, projects.id());
        assertThat(storage.mail().mailbox(alice, projects.id())).isEmpty();
        Mailbox again = storage.mail().createMailbox(alice, "Projects", null);
        assertThat(sharing.acl(alice, again.id())).isEmpty();

        sharing.forgetAccount(bob, "bob@example.test");
        assertThat(sharing.acl(alice, inbox)).isEmpty();
        assertThat(sharing.seenBy(alice, inbox, bob)).isEmpty();
        assertThat(sharing.groupsOf(bob)).isEmpty();
    }

    @Test
    void rightsAreTheGrantsNamingTheReaderLessItsNegativeEntries() {
        var shared = new SharedMailboxes(storage);
        Account reader = storage.directory().account(bob).orElseThrow();
        Account owner = storage.directory().account(alice).orElseThrow();
        long inbox = storage.mail().mailbox(alice, Mailbox.INBOX).orElseThrow().id();
        storage.mail().createMailbox(alice, "Private", null);
        assertThat(shared.rights(reader, alice, inbox)).isEqualTo(Rights.NONE);
        assertThat(shared.rights(owner, alice, inbox)).isEqualTo(Rights.ALL);

        storage.sharing().setRights(alice, inbox, "anyone", new Rights("lr"));
        storage.sharing().createGroup("desk");
        storage.sharing().setMember("desk", bob, true);
        storage.sharing().setRights(alice, inbox, "$desk", new Rights("sw"));
        storage.sharing().setRights(alice, inbox, "-bob@example.test", new Rights("w"));
        assertThat(shared.rights(reader, alice, inbox).letters()).isEqualTo("lrs");

        assertThat(shared.visible(reader)).extracting(SharedMailboxes.View::name).containsExactly("Other Users/alice/INBOX");
        var target = shared.resolve(reader, "Other Users/alice/INBOX").orElseThrow();
        assertThat(target.owner().id()).isEqualTo(alice);
        assertThat(target.ownerName()).isEqualTo("INBOX");
        assertThat(shared.resolve(reader, "Other Users/alice@example.test/Private").orElseThrow().ownerName()).isEqualTo("Private");
        assertThat(shared.resolve(reader, "Other Users/nobody/INBOX")).isEmpty();
        assertThat(shared.resolve(reader, "Shared/alice/INBOX")).isEmpty(); // alice is a person, not a role
        assertThat(shared.resolve(reader, "Drafts").orElseThrow().owner().id()).isEqualTo(bob);

        long desk = storage.directory().addAccount("helpdesk", "example.test", "").id();
        Mailbox deskInbox = storage.mail().createMailbox(desk, Mailbox.INBOX, null);
        storage.sharing().setRights(desk, deskInbox.id(), "$desk", new Rights("lrsip"));
        assertThat(shared.visible(reader)).extracting(SharedMailboxes.View::name).containsExactly("Other Users/alice/INBOX", "Shared/helpdesk/INBOX");
        assertThat(shared.resolve(reader, "Shared/helpdesk/INBOX").orElseThrow().owner().role()).isTrue();
    }

    @Test
    void rightsLettersAreCheckedAndTheObsoleteOnesMapped() {
        assertThat(Rights.parse("lrx?")).isEmpty();
        assertThat(Rights.parse("rl").orElseThrow().letters()).isEqualTo("lr");
        assertThat(Rights.parse("cd").orElseThrow().letters()).isEqualTo("kxte");
        assertThat(Rights.ALL.withObsolete()).isEqualTo("lrswipkxteacd");
    }

    @Test
    void sieveScriptsAreNamedPerAccountWithAtMostOneActive() {
        SieveScripts sieve = storage.sieve();
        sieve.put(alice, "rules", "keep;");
        sieve.put(alice, "vacation", "discard;");
        sieve.put(bob, "rules", "stop;");
        assertThat(sieve.list(alice)).extracting(SieveScripts.Info::name).containsExactly("rules", "vacation");
        assertThat(sieve.active(alice)).isEmpty();

        assertThat(sieve.activate(alice, "rules")).isTrue();
        assertThat(sieve.activate(alice, "vacation")).isTrue();
        assertThat(sieve.list(alice)).filteredOn(SieveScripts.Info::active).extracting(SieveScripts.Info::name).containsExactly("vacation");
        assertThat(sieve.active(alice)).contains(new SieveScripts.Active("vacation", "discard;"));
        assertThat(sieve.activate(alice, "missing")).isFalse();
        assertThat(sieve.active(alice)).isPresent();

        sieve.put(alice, "vacation", "keep;"); // replacing keeps it active
        assertThat(sieve.active(alice)).contains(new SieveScripts.Active("vacation", "keep;"));
        assertThat(sieve.rename(alice, "vacation", "away")).isTrue();
        assertThat(sieve.active(alice).orElseThrow().name()).isEqualTo("away");
        assertThatThrownBy(() -> sieve.rename(alice, "away", "rules")).isInstanceOf(Directory.AlreadyExists.class);
        assertThat(sieve.rename(alice, "missing", "x")).isFalse();

        assertThat(sieve.activate(alice, null)).isTrue();
        assertThat(sieve.active(alice)).isEmpty();
        assertThat(sieve.delete(alice, "rules")).isTrue();
        assertThat(sieve.delete(alice, "rules")).isFalse();
        assertThat(sieve.source(bob, "rules")).contains("stop;");
        assertThat(sieve.list(alice)).extracting(SieveScripts.Info::size).containsExactly(5L);
    }

    @Test
    void anAutomaticResponseIsClaimedOncePerPeriod() {
        SieveScripts sieve = storage.sieve();
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        Duration week = Duration.ofDays(7);
        assertThat(sieve.claimResponse(alice, "h1", "carol@example.net", t0, week)).isTrue();
        assertThat(sieve.claimResponse(alice, "h1", "carol@example.net", t0.plus(Duration.ofDays(6)), week)).isFalse();
        assertThat(sieve.claimResponse(alice, "h2", "carol@example.net", t0, week)).isTrue();      // another handle
        assertThat(sieve.claimResponse(bob, "h1", "carol@example.net", t0, week)).isTrue();        // another account
        assertThat(sieve.claimResponse(alice, "h1", "carol@example.net", t0.plus(Duration.ofDays(7)), week)).isTrue();
        assertThat(sieve.claimResponse(alice, "h1", "carol@example.net", t0.plus(Duration.ofDays(8)), week)).isFalse();
    }

    @Test
    void redirectsAreCountedPerAccountOverADay() {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        for (int i = 0; i < 3; i++) assertThat(storage.sieve().claimRedirect(alice, t0.plusSeconds(i), 3)).isTrue();
        assertThat(storage.sieve().claimRedirect(alice, t0.plusSeconds(10), 3)).isFalse();
        assertThat(storage.sieve().claimRedirect(bob, t0.plusSeconds(10), 3)).isTrue();
        assertThat(storage.sieve().claimRedirect(alice, t0.plus(Duration.ofDays(1)).plusSeconds(1), 3)).isTrue();
    }
}
