package mailroom.server;

import mailroom.core.config.Config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** A whole node in this JVM on ephemeral loopback ports, as `mailroom serve` would run it. */
final class TestNode implements AutoCloseable {
    final Node node;
    final String postmasterPassword;

    TestNode(Path dataDir) throws IOException {
        this(dataDir, config -> {});
    }

    /** A node whose configuration the test adjusts first (resolvers, retry times, the domain). */
    TestNode(Path dataDir, java.util.function.Consumer<Config> adjust) throws IOException {
        var config = new Config();
        config.node.dataDir = dataDir;
        config.smtp.port = 0;
        config.pop3.port = 0;
        config.pop3.tlsPort = 0;
        config.imap.port = 0;
        config.imap.tlsPort = 0;
        config.submission.port = 0;
        config.submission.tlsPort = 0;
        config.lmtp.port = 0;
        config.director.dnsPort = 0;
        config.admin.port = 0;
        config.sieve.port = 0;
        config.jmap.port = 0;
        config.smtp.checkAuthentication = false;
        adjust.accept(config);
        var console = new ByteArrayOutputStream();
        node = new Node(config, new PrintStream(console, true, StandardCharsets.UTF_8));
        var m = Pattern.compile("created postmaster@example.test with password (\\S+)").matcher(console.toString(StandardCharsets.UTF_8));
        postmasterPassword = m.find() ? m.group(1) : null;
    }

    int smtp() {
        return node.smtpPort();
    }

    int submission() {
        return node.submissionPort();
    }

    int submissions() {
        return node.submissionTlsPort();
    }

    int lmtp() {
        return node.lmtpPort();
    }

    int pop3() {
        return node.pop3Port();
    }

    int imap() {
        return node.imapPort();
    }

    int imaps() {
        return node.imapTlsPort();
    }

    int jmap() {
        return node.jmapPort();
    }

    int pop3s() {
        return node.pop3TlsPort();
    }

    /** Waits until the queue has delivered everything accepted so far (delivery follows the 250). */
    void awaitDelivered() {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> node.storage().queue().list().isEmpty());
    }

    @Override
    public void close() {
        node.close();
    }
}
