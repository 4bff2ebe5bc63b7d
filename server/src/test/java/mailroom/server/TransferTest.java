package mailroom.server;

import mailroom.core.mail.MailboxNames;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Mailbox;
import mailroom.transfer.Importer;
import mailroom.transfer.Progress;
import mailroom.transfer.Summary;
import mailroom.transfer.maildir.MaildirSource;
import mailroom.transfer.mbox.MboxSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moving in from a real Dovecot (over IMAP and from its Maildir directly) and out again (Dovecot
 * serves the export), compared message by message as an IMAP client sees them.
 */
class TransferTest {
    static final String NODE = "127.0.6.2";

    @TempDir
    Path dir;

    static final byte[] PLAIN = "From: Bob <bob@remote.test>\r\nTo: alice@example.test\r\nSubject: plain\r\nMessage-ID: <p1@remote.test>\r\n\r\nHello.\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] EIGHT_BIT = "From: bob@remote.test\r\nSubject: caf\u00e9\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nna\u00efve \u00ff bytes\r\n".getBytes(StandardCharsets.ISO_8859_1);
    static final byte[] BROKEN_MIME = ("From: bob@remote.test\r\nSubject: broken\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
            + "--zz\r\nContent-Type: text/plain\r\n\r\npart one\r\n--zz\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n!!not base64\r\n").getBytes(StandardCharsets.US_ASCII);
    static final byte[] NO_FINAL_NEWLINE = "From: bob@remote.test\r\nSubject: tail\r\n\r\nno newline at the end".getBytes(StandardCharsets.US_ASCII);

    static byte[] huge() {
        var b = new StringBuilder("From: bob@remote.test\r\nSubject: huge\r\n\r\n");
        String line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\r\n";
        while (b.length() < 5 * 1024 * 1024) b.append(line);
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static final String UNICODE = "\u00dcn\u00efcode";

    /** Folders (nested, non-ASCII), flags, keywords, internal dates, subscriptions and odd messages, put in over IMAP. */
    static void fill(Dovecot dovecot) throws Exception {
        try (var f = new MailboxDump.Filler(Dovecot.HOST, dovecot.port, "alice", "alice-secret")) {
            for (String box : List.of("Lists/foo", "Sent", "Archive/2019/Q1", "Empty", MailboxNames.encodeUtf7(UNICODE))) f.ok("CREATE \"" + box + "\"");
            for (String box : List.of("INBOX", "Lists/foo", MailboxNames.encodeUtf7(UNICODE))) f.ok("SUBSCRIBE \"" + box + "\"");
            f.append("INBOX", "\\Seen $Label1 Junk", "01-Jan-2020 10:00:00 +0100", PLAIN);
            f.append("INBOX", "\\Flagged", "15-Mar-2021 23:59:59 -0500", EIGHT_BIT);
            f.append("INBOX", "", null, NO_FINAL_NEWLINE);
            f.append("Lists/foo", "\\Answered \\Draft", "02-Feb-2019 02:02:02 +0000", BROKEN_MIME);
            f.append("Lists/foo", "\\Seen", "03-Feb-2019 02:02:02 +0000", PLAIN);
            f.append("Sent", "\\Seen", "04-Apr-2022 12:00:00 +0200", huge());
            f.append("Archive/2019/Q1", "NonJunk \\Deleted", "05-May-2019 05:05:05 +0000", EIGHT_BIT);
            f.append(MailboxNames.encodeUtf7(UNICODE), "$Forwarded", "06-Jun-2020 06:06:06 +0000", PLAIN);
        }
    }

    private TestNode node() throws Exception {
        return new TestNode(dir.resolve("var"), c -> c.node.bind = NODE);
    }

    private static Account account(TestNode node, String user) {
        return new Accounts(node.node.storage(), "example.test").create(user, user + "-password");
    }

    /** Every folder Dovecot has is in Mailroom with the same messages; {@code uids}: with the same UIDs and UIDVALIDITY too. */
    static void assertSameMail(MailboxDump.Account expected, MailboxDump.Account actual) {
        assertThat(actual.folders().keySet()).containsAll(expected.folders().keySet());
        expected.folders().forEach((name, folder) -> {
            var got = actual.folders().get(name);
            assertThat(got.messages()).as(name).containsExactlyElementsOf(folder.messages());
            assertThat(got.uidValidity()).as(name + " UIDVALIDITY").isEqualTo(folder.uidValidity());
        });
        assertThat(actual.subscriptions()).containsAll(expected.subscriptions());
    }

    @Test
    void importsFromDovecotOverImapAndFromItsMaildirKeepingEveryByteFlagDateAndUid() throws Exception {
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            fill(dovecot);
            var source = MailboxDump.of(Dovecot.HOST, dovecot.port, "alice", "alice-secret");
            assertThat(source.folders()).hasSize(6);
            assertThat(source.folders().get("INBOX").messages()).hasSize(3);
            account(node, "alice");
            account(node, "bob");

            // Over IMAP, with the command line, as an operator would.
            Path passwordFile = Files.writeString(dir.resolve("source-password"), "alice-secret\n");
            String from = "imap://alice@" + Dovecot.HOST + ":" + dovecot.port;
            var run = ChildProcess.run(dir, null, "import", "imap", "--from", from, "--password-file", passwordFile.toString(), "--account", "alice@example.test");
            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains("8 copied, 0 skipped, 0 failed");
            assertSameMail(source, MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password"));

            var again = ChildProcess.run(dir, null, "import", "imap", "--from", from, "--password-file", passwordFile.toString(), "--account", "alice@example.test");
            assertThat(again.out()).as("a rerun copies nothing twice").contains("0 copied, 8 skipped, 0 failed");
            assertSameMail(source, MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password"));

            // From Dovecot's Maildir directly: dovecot-uidlist gives the UIDs, dovecot-keywords the keywords.
            var bob = node.node.storage().directory().account("bob", "example.test").orElseThrow();
            try (var progress = Progress.silent("import")) {
                new Importer(node.node.storage(), bob, progress).run(new MaildirSource(dovecot.maildir("alice")));
                assertThat(progress.finish().copied()).isEqualTo(8);
            }
            assertSameMail(source, MailboxDump.of(NODE, node.imap(), "bob@example.test", "bob-password"));

            var refused = ChildProcess.run(dir, "wrong-password\n", "import", "imap", "--from", from, "--account", "alice@example.test");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err().strip()).startsWith("mailroom: ").contains("refused the login of alice").doesNotContain("\n").doesNotContain("Exception");
        }
    }

    @Test
    void anExportedMaildirIsServedByDovecotWithTheSameMessagesFlagsAndUids() throws Exception {
        MailboxDump.Account imported;
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            fill(dovecot);
            account(node, "alice");
            var alice = node.node.storage().directory().account("alice", "example.test").orElseThrow();
            try (var progress = Progress.silent("import")) {
                new Importer(node.node.storage(), alice, progress).run(new MaildirSource(dovecot.maildir("alice")));
            }
            imported = MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password");
            var export = ChildProcess.run(dir, null, "export", "alice@example.test", "--to", dir.resolve("export").toString());
            assertThat(export.exitCode()).as(export.out() + export.err()).isZero();
            assertThat(export.out()).contains("8 copied, 0 skipped, 0 failed");
        }
        Path served = dir.resolve("served");
        Files.createDirectories(served.resolve("home/alice"));
        Files.move(dir.resolve("export"), served.resolve("home/alice/Maildir"));
        try (var dovecot = Dovecot.start(served, Map.of("alice", "alice-secret"))) {
            var seen = MailboxDump.of(Dovecot.HOST, dovecot.port, "alice", "alice-secret");
            imported.folders().forEach((name, folder) -> {
                var got = seen.folders().get(name);
                assertThat(got).as(name).isNotNull();
                assertThat(got.messages()).as(name).containsExactlyElementsOf(folder.messages());
                assertThat(got.uidValidity()).as(name).isEqualTo(folder.uidValidity());
            });
            assertThat(seen.subscriptions()).containsAll(imported.subscriptions());
        }
    }

    @Test
    void anMboxExportIsServedByDovecotWithTheSameMessagesFlagsDatesAndUids() throws Exception {
        MailboxDump.Account imported;
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            fill(dovecot);
            var alice = account(node, "alice");
            try (var progress = Progress.silent("import")) {
                new Importer(node.node.storage(), alice, progress).run(new MaildirSource(dovecot.maildir("alice")));
            }
            imported = MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password");
            var export = ChildProcess.run(dir, null, "export", "alice@example.test", "--to", dir.resolve("mbox").toString(), "--format", "mbox");
            assertThat(export.exitCode()).as(export.out() + export.err()).isZero();
        }
        Dovecot.chown(dir.resolve("mbox"));
        try (var dovecot = Dovecot.start(dir.resolve("served"), Map.of("alice", "alice-secret"),
                "mbox:" + dir.resolve("mbox") + ":INBOX=" + dir.resolve("mbox/inbox"))) {
            var seen = MailboxDump.of(Dovecot.HOST, dovecot.port, "alice", "alice-secret");
            imported.folders().forEach((name, folder) -> {
                if (folder.messages().isEmpty()) return; // mbox keeps no empty folders apart from files
                var got = seen.folders().get(name);
                assertThat(got).as(name).isNotNull();
                // The same bytes too: Dovecot hides the Status, X-Status, X-Keywords, X-UID and X-IMAPbase lines the export wrote.
                // Only a message without a final newline gains one: in mbox every message ends with a line.
                String cut = MailboxDump.sha256(NO_FINAL_NEWLINE);
                String ended = MailboxDump.sha256((new String(NO_FINAL_NEWLINE, StandardCharsets.US_ASCII) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(got.messages()).as(name).containsExactlyElementsOf(folder.messages().stream()
                        .map(m -> m.sha256().equals(cut) ? new MailboxDump.Message(m.uid(), ended, m.flags(), m.internalDate()) : m).toList());
                assertThat(got.uidValidity()).as(name).isEqualTo(folder.uidValidity());
            });
        }
    }

    @Test
    void manyAccountsAreImportedAFewAtATimeAndARefusedOneFailsAlone() throws Exception {
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret", "bob", "bob-secret")); var node = node()) {
            fill(dovecot);
            try (var f = new MailboxDump.Filler(Dovecot.HOST, dovecot.port, "bob", "bob-secret")) {
                f.append("INBOX", "\\Seen", null, PLAIN);
            }
            for (String user : List.of("alice", "bob", "carol")) account(node, user);
            Files.writeString(dir.resolve("alice.pw"), "alice-secret\n");
            Files.writeString(dir.resolve("bob.pw"), "bob-secret\n");
            Files.writeString(dir.resolve("carol.pw"), "not-her-password\n");
            Path list = Files.writeString(dir.resolve("accounts.txt"), "# address, source user, password file\n"
                    + "alice@example.test alice " + dir.resolve("alice.pw") + "\n"
                    + "bob@example.test bob " + dir.resolve("bob.pw") + "\n"
                    + "carol@example.test alice " + dir.resolve("carol.pw") + "\n");
            var run = ChildProcess.run(dir, null, "import", "imap", "--from", "imap://" + Dovecot.HOST + ":" + dovecot.port, "--accounts", list.toString(), "--parallel", "2");
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).contains("import alice@example.test: 8 copied, 0 skipped, 0 failed", "import bob@example.test: 1 copied, 0 skipped, 0 failed",
                    "import carol@example.test: failed: ", "refused the login of alice");
            assertSameMail(MailboxDump.of(Dovecot.HOST, dovecot.port, "bob", "bob-secret"), MailboxDump.of(NODE, node.imap(), "bob@example.test", "bob-password"));
        }
    }

    @Test
    void importsOverImplicitTlsAndStarttlsAndRefusesAnUntrustedCertificateUnlessInsecure() throws Exception {
        try (var node = node()) {
            account(node, "alice");
            account(node, "bob");
            account(node, "carol");
            try (var f = new MailboxDump.Filler(NODE, node.imap(), "alice@example.test", "alice-password")) {
                f.ok("CREATE \"Projects/Moon\"");
                f.append("INBOX", "\\Seen $Important", "07-Jul-2017 07:07:07 +0000", PLAIN);
                f.append("Projects/Moon", "\\Flagged", "08-Aug-2018 08:08:08 +0000", EIGHT_BIT);
            }
            var source = MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password");
            Files.writeString(dir.resolve("alice.pw"), "alice-password\n");
            String pw = dir.resolve("alice.pw").toString();

            var untrusted = ChildProcess.run(dir, null, "import", "imap", "--from", "imaps://alice%40example.test@" + NODE + ":" + node.imaps(),
                    "--password-file", pw, "--account", "bob@example.test");
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.err().strip()).startsWith("mailroom: cannot read the source: ").doesNotContain("\n").doesNotContain("\tat ");

            var imaps = ChildProcess.run(dir, null, "import", "imap", "--from", "imaps://alice%40example.test@" + NODE + ":" + node.imaps(),
                    "--password-file", pw, "--account", "bob@example.test", "--insecure");
            assertThat(imaps.exitCode()).as(imaps.out() + imaps.err()).isZero();
            assertSameMail(source, MailboxDump.of(NODE, node.imap(), "bob@example.test", "bob-password"));

            var starttls = ChildProcess.run(dir, null, "import", "imap", "--from", "imap://alice%40example.test@" + NODE + ":" + node.imap(),
                    "--password-file", pw, "--account", "carol@example.test", "--insecure", "--require-tls");
            assertThat(starttls.exitCode()).as(starttls.out() + starttls.err()).isZero();
            assertSameMail(source, MailboxDump.of(NODE, node.imap(), "carol@example.test", "carol-password"));
        }
    }

    @Test
    void mboxFilesAreUnquotedWithTheirFlagsAndATruncatedOneIsReportedNotHalfImported() throws Exception {
        Path good = Files.writeString(dir.resolve("Saved.mbox"), """
                From bob@remote.test Fri Jul  8 12:08:34 2011
                From: bob@remote.test
                Subject: one
                Status: RO
                X-Status: AF

                >From the start, a quoted line.
                >>From two levels.

                From carol@remote.test Sat Jul  9 01:00:00 2011
                From: carol@remote.test
                Subject: two
                X-Mozilla-Status: 1003
                X-Mozilla-Keys: $label2 work

                second
                """, StandardCharsets.ISO_8859_1);
        Path cut = Files.writeString(dir.resolve("Cut.mbox"), "From x Fri Jul  8 12:08:34 2011\nSubject: whole\n\nfine\n\nFrom y Fri Jul  8 12:08:35 2011\nSubject: cut\n\nhalf a li",
                StandardCharsets.ISO_8859_1);
        Path notMbox = Files.writeString(dir.resolve("notes.txt"), "just some text\n");
        try (var node = node()) {
            var alice = account(node, "alice");
            Summary summary;
            try (var progress = Progress.silent("import")) {
                new Importer(node.node.storage(), alice, progress).run(new MboxSource(List.of(good, cut, notMbox), null));
                summary = progress.finish();
            }
            assertThat(summary.copied()).isEqualTo(3);
            assertThat(summary.failed()).isEqualTo(2);
            assertThat(summary.problems()).anySatisfy(p -> assertThat(p.toString()).contains("Cut", "Cut.mbox message 2", "truncated"));
            assertThat(summary.problems()).anySatisfy(p -> assertThat(p.toString()).contains("notes.txt", "not an mbox"));
            var mail = node.node.storage().mail();
            Mailbox saved = mail.mailbox(alice.id(), "Saved").orElseThrow();
            var messages = mail.messages(alice.id(), saved.id());
            assertThat(messages).hasSize(2);
            assertThat(messages.get(0).flags()).containsExactlyInAnyOrder("\\Seen", "\\Answered", "\\Flagged");
            assertThat(messages.get(0).internalDate()).isEqualTo(java.time.Instant.parse("2011-07-08T12:08:34Z"));
            assertThat(messages.get(1).flags()).containsExactlyInAnyOrder("\\Seen", "\\Answered", "$Forwarded", "$label2", "work");
            String first = new String(node.node.storage().blobs().read(messages.get(0).blobId()), StandardCharsets.ISO_8859_1);
            assertThat(first).endsWith("\r\n\r\nFrom the start, a quoted line.\r\n>From two levels.\r\n");
            String second = new String(node.node.storage().blobs().read(messages.get(1).blobId()), StandardCharsets.ISO_8859_1);
            assertThat(second).endsWith("\r\n\r\nsecond\r\n");
            assertThat(mail.messages(alice.id(), mail.mailbox(alice.id(), "Cut").orElseThrow().id())).hasSize(1);

            try (var progress = Progress.silent("import")) {
                new Importer(node.node.storage(), alice, progress).run(new MboxSource(List.of(good), null));
                assertThat(progress.finish().skipped()).as("a rerun").isEqualTo(2);
            }
        }
    }

    /** Messages filed so far, read from the database beside the writer (SQLite's WAL lets a reader in). */
    private static long filed(Path database) throws java.sql.SQLException {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + database);
             var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM messages")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** A Maildir written straight to disk: quick to make large. */
    static void writeMaildir(Path root, int messages, Set<String> junk) throws Exception {
        for (String sub : List.of("cur", "new", "tmp")) Files.createDirectories(root.resolve(sub));
        for (int i = 0; i < messages; i++) {
            String name = (1_600_000_000L + i) + ".M" + i + "P1.test,S=100:2," + (i % 3 == 0 ? "S" : "");
            Files.writeString(root.resolve("cur").resolve(name), "From: x@remote.test\nSubject: number " + i + "\n\n" + "body line\n".repeat(i % 50 + 1));
        }
        for (String name : junk) Files.writeString(root.resolve("cur").resolve(name), "\u0000\u0001 not mail at all");
    }

    @Test
    void anImportKilledWithSigkillResumesWithoutDuplicatesAndReportsFilesThatAreNotMail() throws Exception {
        Path maildir = dir.resolve("Maildir");
        writeMaildir(maildir, 3000, Set.of("garbage.bin:2,S"));
        try (var node = node()) {
            account(node, "alice");
        }
        var child = ChildProcess.builder(dir, "import", "maildir", maildir.toString(), "--account", "alice@example.test")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long filedAtKill;
        try {
            // Kill as soon as the first batches are in: certainly in the middle of the import.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(20))
                    .until(() -> filed(dir.resolve("var/mailroom.db")) >= 300);
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor();
        }
        filedAtKill = filed(dir.resolve("var/mailroom.db"));
        assertThat(filedAtKill).as("killed in the middle").isBetween(300L, 2999L);
        var rerun = ChildProcess.run(dir, null, "import", "maildir", maildir.toString(), "--account", "alice@example.test");
        assertThat(rerun.exitCode()).as("the garbage file is a failure").isEqualTo(1);
        assertThat(rerun.out()).contains("garbage.bin", "not a mail message").contains(" 1 failed");
        try (var node = node()) {
            var alice = node.node.storage().directory().account("alice", "example.test").orElseThrow();
            var mail = node.node.storage().mail();
            var inbox = mail.mailbox(alice.id(), "INBOX").orElseThrow();
            var messages = mail.messages(alice.id(), inbox.id());
            assertThat(messages).hasSize(3000);
            assertThat(messages.stream().map(m -> m.blobId()).distinct()).as("no message twice").hasSize(3000);
        }
    }

    @Test
    void aBackupTakenWhileSmtpDeliversRestoresEveryAcknowledgedMessageAndTheNodeServes() throws Exception {
        var acknowledged = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<String> beforeBackup;
        try (var node = node()) {
            account(node, "alice");
            var sender = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 5000 && !stop.get(); i++) {
                    try {
                        LineClient.sendMail(NODE, node.smtp(), "bob@remote.test", "alice@example.test", "message " + i);
                        acknowledged.add("message " + i);
                    } catch (java.io.IOException e) {
                        break;
                    }
                }
            });
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 30);
                beforeBackup = List.copyOf(acknowledged); // some still queued: the backup holds the queue too
                var first = ChildProcess.run(dir, null, "backup", dir.resolve("backup").toString());
                assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
                var second = ChildProcess.run(dir, null, "backup", dir.resolve("backup").toString());
                assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
                assertThat(count(second.out(), "skipped")).as("the second backup copies none of the blobs the first did")
                        .isGreaterThanOrEqualTo(count(first.out(), "copied"));
            } finally {
                stop.set(true);
                sender.join(java.time.Duration.ofSeconds(30));
            }
        }
        Path restoredConfig = Files.writeString(dir.resolve("restored.toml"), "[node]\ndata_dir = \"" + dir.resolve("restored") + "\"\n");
        var restore = ChildProcess.run(dir, null, "restore", dir.resolve("backup").toString(), "--config", restoredConfig.toString());
        assertThat(restore.exitCode()).as(restore.out() + restore.err()).isZero();
        var again = ChildProcess.run(dir, null, "restore", dir.resolve("backup").toString(), "--config", restoredConfig.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err().strip()).isEqualTo("mailroom: the data directory " + dir.resolve("restored") + " is not empty; restore only into an empty one");

        try (var restored = new TestNode(dir.resolve("restored"), c -> c.node.bind = NODE)) {
            restored.awaitDelivered(); // what was still queued at the backup is delivered by the restored node
            var seen = MailboxDump.of(NODE, restored.imap(), "alice@example.test", "alice-password");
            assertThat(seen.folders().get("INBOX").messages()).hasSizeGreaterThanOrEqualTo(beforeBackup.size());
            var subjects = new java.util.HashSet<String>();
            var alice = restored.node.storage().directory().account("alice", "example.test").orElseThrow();
            var mail = restored.node.storage().mail();
            long inbox = mail.mailbox(alice.id(), "INBOX").orElseThrow().id();
            for (var m : mail.messages(alice.id(), inbox)) {
                subjects.add(mail.structure(alice.id(), inbox, m.uid()).orElseThrow().envelope().subject());
                assertThat(restored.node.storage().blobs().read(m.blobId())).as("readable").isNotEmpty();
            }
            assertThat(subjects).containsAll(beforeBackup);
            LineClient.sendMail(NODE, restored.smtp(), "bob@remote.test", "alice@example.test", "after the restore");
            restored.awaitDelivered();
        }
    }

    /** A number of the summary line, e.g. "12 copied". */
    @Test
    void anImapImportKilledWithSigkillAndRerunHasEveryMessageOnceWithItsSourceUid() throws Exception {
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            try (var f = new MailboxDump.Filler(Dovecot.HOST, dovecot.port, "alice", "alice-secret")) {
                f.ok("CREATE \"Old\"");
                for (int i = 0; i < 1500; i++) {
                    byte[] m = ("From: bob@remote.test\r\nSubject: number " + i + "\r\n\r\n" + "line of text\r\n".repeat(i % 40 + 1)).getBytes(StandardCharsets.US_ASCII);
                    f.append(i % 2 == 0 ? "INBOX" : "Old", i % 3 == 0 ? "\\Seen" : "", null, m);
                }
            }
            account(node, "alice");
            Path passwordFile = Files.writeString(dir.resolve("source-password"), "alice-secret\n");
            String[] command = {"import", "imap", "--from", "imap://alice@" + Dovecot.HOST + ":" + dovecot.port, "--password-file", passwordFile.toString(),
                    "--account", "alice@example.test"};
            var child = ChildProcess.builder(dir, command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(20))
                        .until(() -> filed(dir.resolve("var/mailroom.db")) >= 200);
            } finally {
                child.destroyForcibly(); // SIGKILL in the middle
                child.waitFor();
            }
            assertThat(filed(dir.resolve("var/mailroom.db"))).as("killed in the middle").isBetween(200L, 1499L);
            var rerun = ChildProcess.run(dir, null, command);
            assertThat(rerun.exitCode()).as(rerun.out() + rerun.err()).isZero();
            assertThat(rerun.out()).contains(" 0 failed");
            assertSameMail(MailboxDump.of(Dovecot.HOST, dovecot.port, "alice", "alice-secret"), MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password"));
        }
    }

    @Test
    void backupAndRestoreOnPostgresqlPointToItsOwnTools() throws Exception {
        Path config = Files.writeString(dir.resolve("cluster.toml"), "[storage]\nbackend = \"postgres\"\nurl = \"jdbc:postgresql://127.0.6.9:5432/mailroom\"\n");
        for (String command : List.of("backup", "restore")) {
            var run = ChildProcess.run(dir, null, command, dir.resolve("b").toString(), "--config", config.toString());
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err().strip()).startsWith("mailroom: ").contains("PostgreSQL", "docs/backup.md").doesNotContain("\n");
        }
    }

    private static long count(String summary, String what) {
        var m = java.util.regex.Pattern.compile("(\\d+) " + what).matcher(summary);
        assertThat(m.find()).as(summary).isTrue();
        return Long.parseLong(m.group(1));
    }

    /**
     * A TCP relay on 127.0.6.3 in front of a server that cuts a connection once it has passed
     * {@code cutAfter} bytes to the client: at most {@code cuts} times, then it relays faithfully.
     */
    static final class DroppingRelay implements AutoCloseable {
        private final java.net.ServerSocket listener;
        private final java.util.concurrent.atomic.AtomicInteger cutsLeft;
        private final List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        DroppingRelay(int upstreamPort, long cutAfter, int cuts) throws java.io.IOException {
            listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.6.3"));
            cutsLeft = new java.util.concurrent.atomic.AtomicInteger(cuts);
            Thread.ofVirtual().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        var client = listener.accept();
                        var server = new java.net.Socket(Dovecot.HOST, upstreamPort);
                        sockets.add(client);
                        sockets.add(server);
                        Thread.ofVirtual().start(() -> pump(client, server, Long.MAX_VALUE));
                        Thread.ofVirtual().start(() -> pump(server, client, cutAfter));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        private void pump(java.net.Socket from, java.net.Socket to, long cutAfter) {
            byte[] buffer = new byte[8192];
            long passed = 0;
            try (from; to) {
                var in = from.getInputStream();
                var out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    passed += n;
                    if (passed > cutAfter && cutsLeft.getAndDecrement() > 0) return; // drop both ends mid-stream
                }
            } catch (java.io.IOException e) {
                // one side went away
            }
        }

        @Override
        public void close() throws java.io.IOException {
            listener.close();
            for (var s : sockets) s.close();
        }
    }

    @Test
    void aConnectionDroppedMidMessageIsResumedAndOneThatKeepsDroppingFailsOnlyItsFolder() throws Exception {
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            fill(dovecot);
            var source = MailboxDump.of(Dovecot.HOST, dovecot.port, "alice", "alice-secret");
            account(node, "alice");
            account(node, "bob");
            Path passwordFile = Files.writeString(dir.resolve("source-password"), "alice-secret\n");
            try (var relay = new DroppingRelay(dovecot.port, 2_000_000, 1)) {
                var run = ChildProcess.run(dir, null, "import", "imap", "--from", "imap://alice@127.0.6.3:" + relay.port(),
                        "--password-file", passwordFile.toString(), "--account", "alice@example.test");
                assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
                assertThat(run.out()).contains("note: Sent UID 1: ").contains("reconnected").contains("8 copied, 0 skipped, 0 failed");
            }
            assertSameMail(source, MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password"));

            try (var relay = new DroppingRelay(dovecot.port, 2_000_000, 1000)) {
                var run = ChildProcess.run(dir, null, "import", "imap", "--from", "imap://alice@127.0.6.3:" + relay.port(),
                        "--password-file", passwordFile.toString(), "--account", "bob@example.test");
                assertThat(run.exitCode()).isEqualTo(1);
                assertThat(run.out()).contains("failed: Sent: folder not finished: at UID 1, gave up").contains("7 copied, 0 skipped, 1 failed");
            }
            var bob = node.node.storage().directory().account("bob", "example.test").orElseThrow();
            var sent = node.node.storage().mail().mailbox(bob.id(), "Sent").orElseThrow();
            assertThat(node.node.storage().mail().messages(bob.id(), sent.id())).as("nothing half-imported").isEmpty();
        }
    }

    @Test
    void messagesBeyondTheQuotaAreReportedByFolderAndUidAndTheRestIsImported() throws Exception {
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            fill(dovecot);
            var alice = account(node, "alice");
            node.node.storage().directory().setQuota(alice.id(), 1_000_000);
            Path passwordFile = Files.writeString(dir.resolve("source-password"), "alice-secret\n");
            var run = ChildProcess.run(dir, null, "import", "imap", "--from", "imap://alice@" + Dovecot.HOST + ":" + dovecot.port,
                    "--password-file", passwordFile.toString(), "--account", "alice@example.test");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).contains("failed: Sent: 1: over quota").contains("7 copied, 0 skipped, 1 failed");
        }
    }

    @Test
    void anImportStartedThroughTheAdminApiRunsInTheBackgroundAndShowsItsProgress() throws Exception {
        try (var dovecot = Dovecot.start(dir.resolve("dovecot"), Map.of("alice", "alice-secret")); var node = node()) {
            fill(dovecot);
            account(node, "alice");
            var http = java.net.http.HttpClient.newHttpClient();
            String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("postmaster@example.test:" + node.postmasterPassword).getBytes(StandardCharsets.UTF_8));
            String base = "http://" + NODE + ":" + node.node.adminPort();
            String body = "{\"source\": \"imap\", \"from\": \"imap://alice@" + Dovecot.HOST + ":" + dovecot.port + "\", \"password\": \"alice-secret\"}";
            var started = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/accounts/alice@example.test/import"))
                    .header("Authorization", auth).header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            var id = java.util.regex.Pattern.compile("\"id\":\"([^\"]+)\"").matcher(started.body());
            assertThat(id.find()).isTrue();
            var job = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/jobs/" + id.group(1))).header("Authorization", auth).build();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(200))
                    .until(() -> http.send(job, java.net.http.HttpResponse.BodyHandlers.ofString()).body().contains("\"state\":\"finished\""));
            String finished = http.send(job, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(finished).contains("\"total\":8", "\"done\":8", "\"copied\":8", "\"failed\":0");
            var list = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/jobs")).header("Authorization", auth).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(list.body()).contains(id.group(1), "alice@example.test");
            var audit = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/audit")).header("Authorization", auth).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(audit.body()).contains("/import").doesNotContain("alice-secret");
            assertSameMail(MailboxDump.of(Dovecot.HOST, dovecot.port, "alice", "alice-secret"), MailboxDump.of(NODE, node.imap(), "alice@example.test", "alice-password"));
        }
    }
}
