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

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * A sorter and a store over a fresh embedded storage on ephemeral loopback ports: MX, submission
 * (STARTTLS and implicit TLS) and LMTP, with alice, bob and postmaster; outside mail for remote.test
 * reaches an {@link SmtpSink} through the MX record of a {@link TestDns}.
 */
abstract class SmtpTestServer {
    @TempDir
    Path dir;
    Storage storage;
    Accounts accounts;
    Sorter sorter;
    SmtpServer server, submission, submissions, lmtp;
    SSLContext tls;
    final Config config = new Config();
    /** The outside world: remote.test has its MX on loopback, where the sink listens. */
    final TestDns dns = SubmissionTest.unchecked(TestDns::new);
    final SmtpSink sink = SubmissionTest.unchecked(() -> new SmtpSink("127.0.0.1"));

    /** Tests adjust limits here before the server starts. */
    void configure(Config config) {}

    @BeforeEach
    void start() throws IOException {
        config.node.dataDir = dir;
        config.smtp.port = 0;
        config.submission.port = 0;
        config.submission.tlsPort = 0;
        config.lmtp.port = 0;
        config.smtp.maxMessageSize = 64 * 1024;
        config.smtp.checkAuthentication = false;
        config.delivery.resolvers = List.of(dns.address());
        config.delivery.remotePort = sink.port();
        config.queue.retryInitial = Duration.ofSeconds(1);
        config.queue.retryMax = Duration.ofSeconds(2);
        dns.add("remote.test. 60 IN MX 10 mx.remote.test.").add("mx.remote.test. 60 IN A 127.0.0.1");
        configure(config);
        storage = SqliteStorage.open(dir, true);
        accounts = new Accounts(storage, "example.test");
        accounts.addDomain("example.test");
        for (String user : List.of("alice", "bob", "postmaster")) accounts.create(user, "password-" + user);
        tls = TlsContexts.load(null, null, dir, config.hostname());
        sorter = new Sorter(config, storage, accounts, "test-sorter");
        sorter.start();
        server = SmtpServer.mx(config, tls, sorter);
        submission = SmtpServer.submission(config, tls, sorter, false);
        submissions = SmtpServer.submission(config, tls, sorter, true);
        lmtp = SmtpServer.lmtp(config, tls, new LocalDelivery(storage, accounts, config));
    }

    @AfterEach
    void stop() throws IOException {
        for (var s : List.of(server, submission, submissions, lmtp)) s.close();
        sorter.close();
        storage.close();
        dns.close();
        sink.close();
    }

    Transcript connect() throws IOException {
        var t = new Transcript("127.0.0.1", server.port());
        t.expect("220 mail.example.test ESMTP");
        return t;
    }

    /** Waits until the queue has nothing left to do now, so everything accepted is delivered or failed. */
    void awaitQueueSettled() {
        await().atMost(Duration.ofSeconds(20)).until(() -> storage.queue().list().stream()
                .allMatch(e -> e.recipients().stream().allMatch(r -> r.attempts() > 0 && r.nextAttempt().isAfter(java.time.Instant.now()))
                        || e.recipients().stream().noneMatch(r -> r.state() == mailroom.storage.Queue.State.PENDING)));
    }

    /** Sends one message through submission (implicit TLS, AUTH PLAIN); {@code message} is header and body. */
    void submit(String from, String password, List<String> to, String message) throws Exception {
        try (var t = Transcript.tls("127.0.0.1", submissions.port())) {
            t.expect("220");
            t.send("EHLO client.test").expectReply("250 ");
            String plain = java.util.Base64.getEncoder().encodeToString(("\0" + from + "\0" + password).getBytes());
            t.send("AUTH PLAIN " + plain).expect("235");
            t.send("MAIL FROM:<" + from + ">").expect("250");
            for (String rcpt : to) t.send("RCPT TO:<" + rcpt + ">").expect("250");
            t.send("DATA").expect("354");
            t.send(message + "\r\n.").expect("250 2.0.0 Ok: queued as");
        }
    }

    List<MessageSummary> inbox(String user) {
        awaitQueueSettled();
        long id = accounts.find(user).orElseThrow().id();
        return storage.mail().messages(id, storage.mail().mailbox(id, Mailbox.INBOX).orElseThrow().id());
    }

    String stored(MessageSummary m) throws IOException {
        return new String(storage.blobs().read(m.blobId()), java.nio.charset.StandardCharsets.UTF_8);
    }
}
