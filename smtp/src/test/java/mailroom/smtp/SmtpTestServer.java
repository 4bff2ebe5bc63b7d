package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.net.TlsContexts;
import mailroom.core.testing.Transcript;
import mailroom.storage.Accounts;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import mailroom.storage.Storage;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** An SMTP server on an ephemeral loopback port over a fresh embedded store, with alice, bob and postmaster. */
abstract class SmtpTestServer {
    @TempDir
    Path dir;
    Storage storage;
    Accounts accounts;
    SmtpServer server;
    final Config config = new Config();

    /** Tests adjust limits here before the server starts. */
    void configure(Config config) {}

    @BeforeEach
    void start() throws IOException {
        config.smtp.port = 0;
        config.smtp.maxMessageSize = 64 * 1024;
        configure(config);
        storage = SqliteStorage.open(dir, true);
        accounts = new Accounts(storage, "example.test");
        accounts.addDomain("example.test");
        for (String user : List.of("alice", "bob", "postmaster")) accounts.create(user, "password-" + user);
        var tls = TlsContexts.load(null, null, dir, config.hostname());
        server = new SmtpServer(config, tls, new LocalDelivery(storage, accounts));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        storage.close();
    }

    Transcript connect() throws IOException {
        var t = new Transcript("127.0.0.1", server.port());
        t.expect("220 mail.example.test ESMTP");
        return t;
    }

    List<MessageSummary> inbox(String user) {
        long id = accounts.find(user).orElseThrow().id();
        return storage.mail().messages(id, storage.mail().mailbox(id, Mailbox.INBOX).orElseThrow().id());
    }

    String stored(MessageSummary m) throws IOException {
        return new String(storage.blobs().read(m.blobId()), java.nio.charset.StandardCharsets.UTF_8);
    }
}
