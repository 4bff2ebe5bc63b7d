package mailroom.server;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** IMAP with the clients people use: Angus Mail (Jakarta Mail's IMAP), Python's imaplib, and mbsync. */
class ImapClientsTest {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        var accounts = new mailroom.storage.Accounts(node.node.storage(), "example.test");
        accounts.create("alice", "alice-password");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Session session() {
        var p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(node.smtp()));
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(node.imap()));
        p.put("mail.imap.starttls.enable", "true");
        p.put("mail.imap.starttls.required", "true");
        p.put("mail.imap.ssl.trust", "*");
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(node.imaps()));
        p.put("mail.imaps.ssl.trust", "*");
        return Session.getInstance(p);
    }

    private void send(Session session, String subject, String text) throws Exception {
        var message = new MimeMessage(session);
        message.setFrom("carol@remote.test");
        message.setRecipients(Message.RecipientType.TO, "alice@example.test");
        message.setSubject(subject, "UTF-8");
        message.setText(text, "UTF-8");
        Transport.send(message);
        node.awaitDelivered();
    }

    @Test
    void angusMailReadsFlagsCopiesMovesAndAppends() throws Exception {
        var session = session();
        send(session, "Grüße", "first body");
        send(session, "second", "second body");
        for (String protocol : new String[]{"imap", "imaps"}) {
            Store store = session.getStore(protocol);
            store.connect("alice@example.test", "alice-password");
            assertThat(Arrays.stream(store.getDefaultFolder().list()).map(Folder::getName))
                    .contains("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive");
            store.close();
        }

        Store store = session.getStore("imaps");
        store.connect("alice", "alice-password");
        var inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        assertThat(inbox.getMessageCount()).isEqualTo(2);
        Message first = inbox.getMessage(1);
        assertThat(first.getSubject()).isEqualTo("Grüße");
        assertThat(((String) first.getContent()).strip()).isEqualTo("first body");
        assertThat(first.isSet(Flags.Flag.SEEN)).as("reading the body set \\Seen").isTrue();
        first.setFlag(Flags.Flag.FLAGGED, true);

        Folder projects = store.getFolder("Projects");
        assertThat(projects.create(Folder.HOLDS_MESSAGES)).isTrue();
        inbox.copyMessages(new Message[]{first}, projects);
        inbox.moveMessages(new Message[]{inbox.getMessage(2)}, store.getFolder("Archive"));
        Folder archive = store.getFolder("Archive");
        archive.open(Folder.READ_ONLY);
        assertThat(archive.getMessage(1).getSubject()).isEqualTo("second");
        archive.close();

        var draft = new MimeMessage(session);
        draft.setSubject("draft");
        draft.setText("unfinished");
        Folder drafts = store.getFolder("Drafts");
        drafts.appendMessages(new Message[]{draft});
        drafts.open(Folder.READ_ONLY);
        assertThat(drafts.getMessage(1).getSubject()).isEqualTo("draft");

        projects.open(Folder.READ_ONLY);
        assertThat(projects.getMessage(1).isSet(Flags.Flag.FLAGGED)).isTrue();
        inbox.close(false);
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).as("the moved message left INBOX").isEqualTo(1);
        assertThat(inbox.search(new jakarta.mail.search.SubjectTerm("Grüße"))).hasSize(1);
        assertThat(inbox.getUID(inbox.getMessage(1))).isEqualTo(1);
        store.close();
    }

    @Test
    void angusMailIdleSeesNewMailWithinASecond() throws Exception {
        var session = session();
        Store store = session.getStore("imaps");
        store.connect("alice", "alice-password");
        var inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        var arrived = new CountDownLatch(1);
        inbox.addMessageCountListener(new MessageCountAdapter() {
            @Override
            public void messagesAdded(MessageCountEvent e) {
                arrived.countDown();
            }
        });
        Thread idler = Thread.ofVirtual().start(() -> {
            try {
                inbox.idle(true);
            } catch (Exception ignored) {
                // the folder is closed at the end of the test
            }
        });
        Thread.sleep(300); // let IDLE start
        long sent = System.nanoTime();
        send(session, "pushed", "now");
        assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
        idler.join(Duration.ofSeconds(5));
        store.close();
    }

    @Test
    void pythonImaplib() throws Exception {
        send(session(), "for python", "line one\nline two");
        String script = """
                import imaplib, ssl, sys, email
                port = int(sys.argv[1])
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
                assert m.login("alice", "alice-password")[0] == "OK"
                typ, data = m.select("INBOX")
                assert data == [b"1"], data
                typ, data = m.uid("FETCH", "1", "(RFC822)")
                msg = email.message_from_bytes(data[0][1])
                assert msg["Subject"] == "for python", msg["Subject"]
                assert m.append("INBOX", "(\\\\Flagged)", None, b"Subject: appended\\r\\n\\r\\nwith a literal\\r\\n")[0] == "OK"
                typ, data = m.search(None, "FLAGGED")
                assert data == [b"2"], data
                typ, data = m.uid("SEARCH", None, "TEXT", "literal")
                assert data == [b"2"], data
                m.store("1", "+FLAGS", "(\\\\Deleted)")
                typ, data = m.expunge()
                assert data == [b"1"], data
                assert m.create("Sub/Folder")[0] == "OK"
                assert m.uid("COPY", "2", "Sub/Folder")[0] == "OK"
                typ, data = m.status("Sub/Folder", "(MESSAGES UIDNEXT)")
                assert b"MESSAGES 1" in data[0], data
                typ, data = m.list()
                assert any(b'"Sub/Folder"' in line for line in data), data
                m.logout()
                print("imaplib ok")
                """;
        Path file = dir.resolve("imap.py");
        Files.writeString(file, script);
        var process = new ProcessBuilder("python3", file.toString(), String.valueOf(node.imaps())).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("imaplib ok");
    }

    /** mbsync (isync) between our IMAP server and a local Maildir: new mail and flags travel both ways. */
    @Test
    void mbsyncRoundTrip() throws Exception {
        var session = session();
        send(session, "on the server", "from the far side");
        Path maildir = Files.createDirectories(dir.resolve("Mail"));
        Path config = dir.resolve("mbsyncrc");
        Files.writeString(config, """
                IMAPAccount mailroom
                Host 127.0.0.1
                Port %d
                User alice
                Pass alice-password
                SSLType None
                AuthMechs LOGIN

                IMAPStore far
                Account mailroom

                MaildirStore near
                Path %s/
                Inbox %s/INBOX

                Channel sync
                Far :far:
                Near :near:
                Patterns INBOX
                Create Both
                Expunge Both
                SyncState *
                """.formatted(node.imap(), maildir, maildir));
        mbsync(config);
        Path cur = maildir.resolve("INBOX/cur"), fresh = maildir.resolve("INBOX/new");
        var local = Files.list(fresh).toList();
        assertThat(local).hasSize(1);
        assertThat(Files.readString(local.get(0))).contains("Subject: on the server");

        // Near side: mark it read (Maildir flag S) and add a new message.
        Path read = cur.resolve(local.get(0).getFileName() + ":2,S");
        Files.move(local.get(0), read);
        Files.writeString(fresh.resolve("1700000000.local.host"), "From: alice@example.test\r\nSubject: written locally\r\n\r\nnear side\r\n");
        mbsync(config);

        var inbox = node.node.storage().mail();
        long account = node.node.storage().directory().account("alice", "example.test").orElseThrow().id();
        long box = inbox.mailbox(account, "INBOX").orElseThrow().id();
        var messages = inbox.messages(account, box);
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).flags()).contains("\\Seen");

        // Far side: flag the local one on the server; it comes back as Maildir flag F.
        inbox.updateFlags(account, box, java.util.List.of(messages.get(1).uid()), mailroom.storage.MailStore.FlagChange.ADD, java.util.Set.of("\\Flagged"));
        mbsync(config);
        try (var files = Files.list(cur)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches(".*:2,F?S?") && n.contains("F"));
        }
    }

    private void mbsync(Path config) throws Exception {
        var process = new ProcessBuilder("mbsync", "-c", config.toString(), "-a").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }
}
