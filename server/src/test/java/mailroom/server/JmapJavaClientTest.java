package mailroom.server;

import mailroom.storage.Account;
import mailroom.storage.Accounts;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rs.ltt.jmap.client.JmapClient;
import rs.ltt.jmap.common.entity.Mailbox;
import rs.ltt.jmap.common.entity.capability.MailAccountCapability;
import rs.ltt.jmap.common.entity.Role;
import rs.ltt.jmap.common.method.call.email.GetEmailMethodCall;
import rs.ltt.jmap.common.method.call.email.QueryEmailMethodCall;
import rs.ltt.jmap.common.method.call.email.SetEmailMethodCall;
import rs.ltt.jmap.common.method.call.mailbox.GetMailboxMethodCall;
import rs.ltt.jmap.common.method.response.email.GetEmailMethodResponse;
import rs.ltt.jmap.common.method.response.email.QueryEmailMethodResponse;
import rs.ltt.jmap.common.method.response.email.SetEmailMethodResponse;
import rs.ltt.jmap.common.method.response.mailbox.GetMailboxMethodResponse;
import rs.ltt.jmap.common.util.Patches;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An independent Java client, rs.ltt.jmap:jmap-client (Maven Central), against a node: it reads
 * the session, lists mailboxes, queries, fetches, flags, and hears the change by push. The
 * library's HTTP client trusts the JVM's trust store, so the node's self-signed certificate is put
 * in one for this JVM (its names include 127.0.0.1).
 */
class JmapJavaClientTest {
    @TempDir
    Path dir;

    @Test
    void jmapClientListsQueriesFetchesFlagsAndHearsPush() throws Exception {
        try (var node = new TestNode(dir.resolve("var"))) {
            trust(dir.resolve("var/tls/cert.pem"));
            Account alice = new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            LineClient.sendMail("127.0.0.1", node.smtp(), "bob@example.net", "alice@example.test", "from java");
            node.awaitDelivered();
            try (var client = new JmapClient("alice@example.test", "alice-password", HttpUrl.get("https://127.0.0.1:" + node.jmap() + "/.well-known/jmap"))) {
                var session = client.getSession().get(10, TimeUnit.SECONDS);
                String account = session.getPrimaryAccount(MailAccountCapability.class);
                assertThat(account).isEqualTo("a" + alice.id());
                var boxes = client.call(GetMailboxMethodCall.builder().accountId(account).build()).get(10, TimeUnit.SECONDS)
                        .getMain(GetMailboxMethodResponse.class).getList();
                assertThat(Arrays.stream(boxes).map(Mailbox::getRole)).contains(Role.INBOX, Role.SENT, Role.TRASH);
                String[] ids = client.call(QueryEmailMethodCall.builder().accountId(account).build()).get(10, TimeUnit.SECONDS)
                        .getMain(QueryEmailMethodResponse.class).getIds();
                assertThat(ids).hasSize(1);
                var email = client.call(GetEmailMethodCall.builder().accountId(account).ids(ids).properties(new String[] {"subject", "keywords", "receivedAt"}).build())
                        .get(10, TimeUnit.SECONDS).getMain(GetEmailMethodResponse.class).getList()[0];
                assertThat(email.getSubject()).isEqualTo("from java");
                CountDownLatch heard = new CountDownLatch(1);
                var push = client.monitorEvents(change -> {
                    heard.countDown();
                    return true;
                }).get(10, TimeUnit.SECONDS);
                assertThat(push).isNotNull();
                var set = client.call(SetEmailMethodCall.builder().accountId(account)
                        .update(Map.of(ids[0], Patches.set("keywords/$flagged", true))).build()).get(10, TimeUnit.SECONDS)
                        .getMain(SetEmailMethodResponse.class);
                assertThat(set.getUpdated()).containsKey(ids[0]);
                assertThat(heard.await(10, TimeUnit.SECONDS)).as("a StateChange by push").isTrue();
            }
        } finally {
            // the library's client is built by now; later tests in this JVM get the usual trust store back
            for (String p : new String[] {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"}) System.clearProperty(p);
        }
    }

    private static void trust(Path pem) throws Exception {
        var cert = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("mailroom", cert);
        Path file = pem.resolveSibling("trust.p12");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, "changeit".toCharArray());
        }
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }
}
