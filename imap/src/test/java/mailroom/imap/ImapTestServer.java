package mailroom.imap;

import mailroom.core.config.Config;
import mailroom.core.net.TlsContexts;
import mailroom.core.testing.Transcript;
import mailroom.storage.Accounts;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.Storage;
import mailroom.storage.TestMessages;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** An IMAP server on ephemeral loopback ports over a fresh store; alice has two messages in INBOX. */
abstract class ImapTestServer {
    static final String PASSWORD = "alice-password";
    static final String FIRST = """
            From: Bob Example <bob@example.test>\r
            To: Alice <alice@example.test>\r
            Subject: First message\r
            Date: Mon, 2 Nov 2026 10:00:00 +0000\r
            Message-ID: <first@example.test>\r
            \r
            Hello Alice, this is the first message.\r
            """;
    static final String SECOND = """
            From: carol@example.test\r
            To: alice@example.test\r
            Subject: Second, with parts\r
            Date: Tue, 3 Nov 2026 11:00:00 +0000\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="sep"\r
            \r
            --sep\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Gr=C3=BC=C3=9Fe aus Bremen\r
            --sep\r
            Content-Type: application/octet-stream; name="data.bin"\r
            Content-Disposition: attachment; filename="data.bin"\r
            Content-Transfer-Encoding: base64\r
            \r
            AAECAwQ=\r
            --sep--\r
            """;

    @TempDir
    Path dir;
    Storage storage;
    Accounts accounts;
    ImapServer server;
    long alice;
    final Config config = new Config();

    void configure(Config config) {}

    @BeforeEach
    void start() throws IOException {
        config.imap.port = 0;
        config.imap.tlsPort = 0;
        config.imap.maxAppendSize = 1024 * 1024;
        configure(config);
        storage = SqliteStorage.open(dir, true);
        accounts = new Accounts(storage, "example.test");
        accounts.addDomain("example.test");
        alice = accounts.create("alice", PASSWORD).id();
        accounts.create("bob", "bob-password");
        deliver(FIRST);
        deliver(SECOND);
        server = new ImapServer(config, TlsContexts.load(null, null, dir, config.hostname()), storage, accounts);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        storage.close();
    }

    void deliver(String message) throws IOException {
        TestMessages.deliver(storage, message.getBytes(StandardCharsets.UTF_8), alice);
    }

    Transcript connect() throws IOException {
        var t = new Transcript("127.0.0.1", server.port());
        t.expect("* OK [CAPABILITY IMAP4rev1 ");
        return t;
    }

    Transcript login() throws IOException {
        var t = connect();
        t.send("a LOGIN alice " + PASSWORD).expect("a OK [CAPABILITY ");
        return t;
    }

    List<MessageSummary> messages(String mailbox) {
        return storage.mail().messages(alice, storage.mail().mailbox(alice, mailbox).orElseThrow().id());
    }

    Mailbox mailbox(String name) {
        return storage.mail().mailbox(alice, name).orElseThrow();
    }
}
