package mailroom.server;

import mailroom.storage.Accounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spam scoring with a real rspamd ({@link RspamdProcess}) on a whole node: Python's smtplib sends
 * from outside to the MX port, and each of rspamd's actions comes back as the SMTP answer or as
 * X-Spam fields and filing into Junk; rspamd stopped or silent means the mail is accepted.
 */
class SpamScoringTest {
    private static RspamdProcess rspamd;

    @TempDir
    Path dir;
    private final List<TestNode> nodes = new ArrayList<>();

    @BeforeAll
    static void startRspamd() throws Exception {
        rspamd = new RspamdProcess();
    }

    @AfterAll
    static void stopRspamd() throws Exception {
        if (rspamd != null) rspamd.close();
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode node(Consumer<mailroom.core.config.Config> adjust) throws IOException {
        var node = new TestNode(dir.resolve("var" + nodes.size()), config -> {
            config.node.bind = "127.0.12.1";
            config.spam.rspamdUrl = rspamd.url();
            adjust.accept(config);
        });
        nodes.add(node);
        new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
        return node;
    }

    @Test
    void eachOfRspamdsActionsGetsItsAnswer() throws Exception {
        var node = node(c -> {});
        assertThat(send(node, "Lunch on Friday", "Shall we meet at noon?")).startsWith("250 ");
        assertThat(send(node, "spammy offer", "Cheap watches.")).startsWith("250 ");
        assertThat(send(node, "hello", "Look: " + RspamdProcess.GTUBE_REWRITE_SUBJECT)).startsWith("250 ");
        assertThat(send(node, "hello", "Look: " + RspamdProcess.GTUBE_REJECT)).isEqualTo("550 5.7.1 Message refused as spam");
        assertThat(send(node, "soft-reject this", "later")).isEqualTo("451 4.7.1 Message deferred, try again later");
        assertThat(send(node, "greylist this", "later")).isEqualTo("451 4.7.1 Greylisted, try again later");
        node.awaitDelivered();

        List<String> inbox = messages(node, "INBOX");
        assertThat(inbox).singleElement().satisfies(m -> {
            assertThat(m).contains("Subject: Lunch on Friday").contains("\r\nX-Spam: No\r\n").contains("X-Spam-Status: No, score=");
            assertThat(m.indexOf("X-Spam: No")).as("our fields come before the sender's").isLessThan(m.indexOf("From: Carol"));
        });
        List<String> junk = messages(node, "Junk");
        assertThat(junk).hasSize(2);
        assertThat(junk.get(0)).contains("Subject: spammy offer").contains("\r\nX-Spam: Yes\r\n")
                .containsPattern("X-Spam-Score: \\d+\\.\\d\\d\r\n")
                .containsPattern("X-Spam-Status: Yes, score=\\d+\\.\\d\\d required=15.00 action=\"add header\"\r\n\ttests=TEST_SPAMMY\\(7.00\\)");
        assertThat(junk.get(1)).contains("X-Spam: Yes").contains("action=\"rewrite subject\"").contains("GTUBE");
        assertThat(rspamd.log()).as("rspamd had the envelope").contains("TEST_SPAMMY").contains("ip: 127.0.12.9,")
                .contains("from: <carol@remote.test>").contains("rcpts: <alice@example.test>").contains("qid: <");
    }

    @Test
    void aRejectNotHonouredIsFiledAsSpamAndOtherActionsAreIgnored() throws Exception {
        var node = node(c -> c.spam.actions = List.of("add header"));
        assertThat(send(node, "hello", "Look: " + RspamdProcess.GTUBE_REJECT)).startsWith("250 ");
        assertThat(send(node, "greylist this", "now")).startsWith("250 ");
        node.awaitDelivered();
        assertThat(messages(node, "Junk")).singleElement().asString().contains("X-Spam: Yes").contains("action=\"add header\"");
        assertThat(messages(node, "INBOX")).singleElement().asString().contains("Subject: greylist this").contains("X-Spam: No");
    }

    @Test
    void spamGoesToTheJunkFolderTheUserRenamed() throws Exception {
        var node = node(c -> {});
        var storage = node.node.storage();
        long id = new Accounts(storage, "example.test").find("alice").orElseThrow().id();
        storage.mail().renameMailbox(id, "Junk", "Spam");
        assertThat(send(node, "spammy again", "Cheap watches.")).startsWith("250 ");
        node.awaitDelivered();
        assertThat(messages(node, "Spam")).hasSize(1);
    }

    @Test
    void withRspamdStoppedMailIsAcceptedUnscored() throws Exception {
        try (var own = new RspamdProcess()) {
            var node = node(c -> c.spam.rspamdUrl = own.url());
            assertThat(send(node, "spammy while up", "x")).startsWith("250 ");
            own.close();
            assertThat(own.listening()).isFalse();
            assertThat(send(node, "spammy while down", "x")).startsWith("250 ");
            node.awaitDelivered();
            assertThat(messages(node, "Junk")).singleElement().asString().contains("spammy while up");
            assertThat(messages(node, "INBOX")).singleElement().asString().contains("spammy while down").doesNotContain("X-Spam");
        }
    }

    @Test
    void aSilentRspamdCostsOnlyTheTimeout() throws Exception {
        try (var silent = new ServerSocket()) { // accepts connections, never answers
            silent.bind(new InetSocketAddress(RspamdProcess.HOST, 0));
            var node = node(c -> {
                c.spam.rspamdUrl = "http://" + RspamdProcess.HOST + ":" + silent.getLocalPort();
                c.spam.timeout = Duration.ofSeconds(1);
            });
            long start = System.nanoTime();
            assertThat(send(node, "spammy but nobody looks", "x")).startsWith("250 ");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).as("the reply waits for the timeout, not longer").isBetween(900L, 5000L);
            node.awaitDelivered();
            assertThat(messages(node, "INBOX")).hasSize(1);
        }
    }

    /** Sends one message with smtplib from 127.0.12.9 to alice; returns the last reply ("code text"). */
    private String send(TestNode node, String subject, String body) throws Exception {
        return new PythonSmtp(dir).send(RspamdProcess.HOST, node.smtp(), "127.0.12.9", "alice@example.test", subject, body);
    }

    /** The stored messages of alice's folder, oldest first. */
    private static List<String> messages(TestNode node, String folder) {
        var storage = node.node.storage();
        long id = new Accounts(storage, "example.test").find("alice").orElseThrow().id();
        var mailbox = storage.mail().mailbox(id, folder).orElseThrow();
        return storage.mail().messages(id, mailbox.id()).stream().map(m -> {
            try {
                return new String(storage.blobs().read(m.blobId()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }
}
