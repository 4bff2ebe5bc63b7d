package mailroom.server;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Send and read with the clients people use: Angus Mail (Jakarta Mail), Python's smtplib/poplib, curl. */
class RealClientsTest {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"));
        var accounts = new mailroom.storage.Accounts(node.node.storage(), "example.test");
        accounts.create("alice", "alice-password");
        accounts.create("bob", "bob-password");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Session session() {
        var p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(node.smtp()));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(node.pop3()));
        p.put("mail.pop3.starttls.enable", "true");
        p.put("mail.pop3.starttls.required", "true");
        p.put("mail.pop3.ssl.trust", "*");
        p.put("mail.pop3s.host", "127.0.0.1");
        p.put("mail.pop3s.port", String.valueOf(node.pop3s()));
        p.put("mail.pop3s.ssl.trust", "*");
        return Session.getInstance(p);
    }

    @Test
    void angusMailSendsOverStartTlsAndReadsOverPop3sAndStls() throws Exception {
        var session = session();
        var message = new MimeMessage(session);
        message.setFrom(new InternetAddress("carol@remote.test", "Carol"));
        message.setRecipients(Message.RecipientType.TO, "alice@example.test, bob@example.test");
        message.setSubject("Grüße from Angus", "UTF-8");
        message.setText("Hello Alice,\n.a line with a leading dot\nbye\n", "UTF-8");
        Transport.send(message);
        node.awaitDelivered();

        for (String protocol : new String[]{"pop3s", "pop3"}) {
            var store = session.getStore(protocol);
            store.connect("alice@example.test", "alice-password");
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            var received = inbox.getMessage(1);
            assertThat(received.getSubject()).isEqualTo("Grüße from Angus");
            assertThat(((String) received.getContent()).replace("\r\n", "\n")).isEqualTo("Hello Alice,\n.a line with a leading dot\nbye\n");
            assertThat(received.getHeader("Received")[0]).contains("with ESMTPS");
            inbox.close(false);
            store.close();
        }
    }

    @Test
    void angusMailDeletesOverPop3() throws Exception {
        var session = session();
        for (int i = 0; i < 3; i++) {
            var message = new MimeMessage(session);
            message.setFrom("carol@remote.test");
            message.setRecipients(Message.RecipientType.TO, "bob@example.test");
            message.setSubject("number " + i);
            message.setText("body " + i);
            Transport.send(message);
        }
        node.awaitDelivered();
        var store = session.getStore("pop3s");
        store.connect("bob", "bob-password");
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        inbox.getMessage(2).setFlag(jakarta.mail.Flags.Flag.DELETED, true);
        inbox.close(true); // QUIT: the UPDATE state expunges
        store.close();

        store.connect("bob", "bob-password");
        inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessages()).extracting(Message::getSubject).containsExactly("number 0", "number 2");
        store.close();
    }

    @Test
    void pythonSmtplibAndPoplib() throws Exception {
        String script = """
                import smtplib, poplib, ssl, sys, email, time
                port_smtp, port_pop3s = int(sys.argv[1]), int(sys.argv[2])
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                with smtplib.SMTP("127.0.0.1", port_smtp) as s:
                    s.ehlo(); s.starttls(context=ctx); s.ehlo()
                    refused = s.sendmail("dave@remote.test", ["alice@example.test", "nobody@example.test"],
                                         b"Subject: from python\\r\\n\\r\\n.leading dot\\r\\nsecond line\\r\\n")
                    assert list(refused) == ["nobody@example.test"], refused
                    try:
                        s.sendmail("dave@remote.test", ["victim@remote.test"], b"Subject: relay\\r\\n\\r\\nx\\r\\n")
                        sys.exit("relayed!")
                    except smtplib.SMTPRecipientsRefused as e:
                        assert e.recipients["victim@remote.test"][0] == 554, e.recipients
                p = poplib.POP3_SSL("127.0.0.1", port_pop3s, context=ctx)
                p.user("alice"); p.pass_("alice-password")
                for _ in range(200):  # the 250 means queued; delivery follows within moments
                    count, size = p.stat()
                    if count: break
                    p.quit(); time.sleep(0.05)
                    p = poplib.POP3_SSL("127.0.0.1", port_pop3s, context=ctx); p.user("alice"); p.pass_("alice-password")
                assert count == 1, count
                lines = p.retr(1)[1]
                msg = email.message_from_bytes(b"\\r\\n".join(lines))
                assert msg["Subject"] == "from python", msg["Subject"]
                assert msg.get_payload() == ".leading dot\\r\\nsecond line", repr(msg.get_payload())
                assert p.uidl(1).split()[2] == p.uidl()[1][0].split()[1]
                p.quit()
                print("python ok")
                """;
        Path file = dir.resolve("clients.py");
        Files.writeString(file, script);
        var process = new ProcessBuilder("python3", file.toString(), String.valueOf(node.smtp()), String.valueOf(node.pop3s()))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("python ok");
        assertThat(process.exitValue()).isZero();
    }

    @Test
    void curlSendsAndReads() throws Exception {
        Path mail = dir.resolve("mail.txt");
        Files.writeString(mail, "Subject: from curl\r\nFrom: eve@remote.test\r\n\r\nsent with curl\r\n");
        var send = new ProcessBuilder("curl", "-sS", "--ssl-reqd", "-k", "smtp://127.0.0.1:" + node.smtp(),
                "--mail-from", "eve@remote.test", "--mail-rcpt", "bob@example.test", "--upload-file", mail.toString())
                .redirectErrorStream(true).start();
        String sendOutput = new String(send.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(send.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(send.exitValue()).as(sendOutput).isZero();
        node.awaitDelivered();

        var read = new ProcessBuilder("curl", "-sS", "-k", "--user", "bob:bob-password", "pop3s://127.0.0.1:" + node.pop3s() + "/1").start();
        String message = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(read.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(message).contains("Subject: from curl").contains("sent with curl").contains("Return-Path: <eve@remote.test>");
    }

    @Test
    void theFirstAccountIsPostmasterWithThePrintedPassword() throws Exception {
        assertThat(node.postmasterPassword).hasSize(18);
        var store = session().getStore("pop3s");
        store.connect("postmaster@example.test", node.postmasterPassword);
        store.close();
    }
}
