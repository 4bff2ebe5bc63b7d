package mailroom.pop3;

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
import java.nio.file.Path;
import java.util.List;

/** A POP3 server on ephemeral loopback ports over a fresh store; alice has three messages. */
abstract class Pop3TestServer {
    static final String PASSWORD = "alice-password";
    @TempDir
    Path dir;
    Storage storage;
    Accounts accounts;
    Pop3Server server;
    final Config config = new Config();

    void configure(Config config) {}

    @BeforeEach
    void start() throws IOException {
        config.pop3.port = 0;
        config.pop3.tlsPort = 0;
        configure(config);
        storage = SqliteStorage.open(dir, true);
        accounts = new Accounts(storage, "example.test");
        accounts.addDomain("example.test");
        long alice = accounts.create("alice", PASSWORD).id();
        TestMessages.deliver(storage, "Subject: one\r\n\r\nfirst\r\n".getBytes(), alice);
        TestMessages.deliver(storage, "Subject: two\r\n\r\n.starts with a dot\r\nline 2\r\nline 3\r\n".getBytes(), alice);
        TestMessages.deliver(storage, "Subject: three\r\n\r\nno final line break".getBytes(), alice);
        server = new Pop3Server(config, TlsContexts.load(null, null, dir, config.hostname()), storage, accounts);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        storage.close();
    }

    Transcript connect() throws IOException {
        var t = new Transcript("127.0.0.1", server.port());
        t.expect("+OK mail.example.test Mailroom POP3 ready");
        return t;
    }

    Transcript login() throws IOException {
        var t = connect();
        t.send("USER alice").expect("+OK");
        t.send("PASS " + PASSWORD).expect("+OK Logged in, 3 messages");
        return t;
    }

    List<MessageSummary> inbox() {
        long id = accounts.find("alice").orElseThrow().id();
        return storage.mail().messages(id, storage.mail().mailbox(id, Mailbox.INBOX).orElseThrow().id());
    }
}
