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
import rs.ltt.jmap.common.entity.Identity;
import rs.ltt.jmap.common.method.call.email.CopyEmailMethodCall;
import rs.ltt.jmap.common.method.call.identity.GetIdentityMethodCall;
import rs.ltt.jmap.common.method.call.identity.SetIdentityMethodCall;
import rs.ltt.jmap.common.method.call.thread.GetThreadMethodCall;
import rs.ltt.jmap.common.method.response.email.CopyEmailMethodResponse;
import rs.ltt.jmap.common.method.response.identity.GetIdentityMethodResponse;
import rs.ltt.jmap.common.method.response.identity.SetIdentityMethodResponse;
import rs.ltt.jmap.common.method.response.thread.GetThreadMethodResponse;

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
 * the session, lists mailboxes, queries, fetches, flags, and hears the change by push; then, with
 * the library's WebSocket transport (RFC 8887) for calls and push, makes an identity, reads a
 * reply's thread, copies an Email and hears a delivery. The library's HTTP client trusts the JVM's
 * trust store, so the node's self-signed certificate (which names the bind address, 127.0.17.1) is
 * put in one for this JVM.
 */
class JmapJavaClientTest {
    @TempDir
    Path dir;

    @Test
    void jmapClientListsQueriesFetchesFlagsAndHearsPush() throws Exception {
        try (var node = new TestNode(dir.resolve("var"), c -> c.node.bind = HOST)) {
            trust(dir.resolve("var/tls/cert.pem"));
            Account alice = new Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
            LineClient.sendMail(HOST, node.smtp(), "bob@example.net", "alice@example.test", "from java");
            node.awaitDelivered();
            try (var client = new JmapClient("alice@example.test", "alice-password", HttpUrl.get("https://" + HOST + ":" + node.jmap() + "/.well-known/jmap"))) {
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
            overWebSocket(node, alice);
        } finally {
            // the library's client is built by now; later tests in this JVM get the usual trust store back
            for (String p : new String[] {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"}) System.clearProperty(p);
        }
    }

    static final String HOST = "127.0.17.1";

    /** The same library with its WebSocket transport: every call below and the push go over one socket. */
    private static void overWebSocket(TestNode node, Account alice) throws Exception {
        LineClient.transaction(HOST, node.smtp(), "bob@example.net", "alice@example.test",
                "From: bob@example.net\r\nSubject: question\r\nMessage-ID: <q@example.net>\r\n\r\n?\r\n");
        LineClient.transaction(HOST, node.smtp(), "bob@example.net", "alice@example.test",
                "From: bob@example.net\r\nSubject: Re: question\r\nMessage-ID: <a@example.net>\r\nIn-Reply-To: <q@example.net>\r\n\r\n!\r\n");
        node.awaitDelivered();
        try (var client = new JmapClient("alice@example.test", "alice-password", HttpUrl.get("https://" + HOST + ":" + node.jmap() + "/.well-known/jmap"))) {
            client.setUseWebSocket(true);
            String account = client.getSession().get(10, TimeUnit.SECONDS).getPrimaryAccount(MailAccountCapability.class);
            assertThat(client.getSession().get(10, TimeUnit.SECONDS).getCapability(rs.ltt.jmap.common.entity.capability.WebSocketCapability.class)).isNotNull();

            var made = client.call(SetIdentityMethodCall.builder().accountId(account)
                    .create(Map.of("w", Identity.builder().name("Alice at work").email("alice+work@example.test").build())).build())
                    .get(10, TimeUnit.SECONDS).getMain(SetIdentityMethodResponse.class);
            assertThat(made.getCreated()).containsKey("w");
            var identities = client.call(GetIdentityMethodCall.builder().accountId(account).build()).get(10, TimeUnit.SECONDS)
                    .getMain(GetIdentityMethodResponse.class).getList();
            assertThat(Arrays.stream(identities).map(Identity::getEmail)).containsExactlyInAnyOrder("alice@example.test", "alice+work@example.test");

            String[] replies = client.call(QueryEmailMethodCall.builder().accountId(account)
                    .filter(rs.ltt.jmap.common.entity.filter.EmailFilterCondition.builder().subject("Re: question").build()).build())
                    .get(10, TimeUnit.SECONDS).getMain(QueryEmailMethodResponse.class).getIds();
            assertThat(replies).hasSize(1);
            var reply = client.call(GetEmailMethodCall.builder().accountId(account).ids(replies).properties(new String[] {"threadId", "mailboxIds"}).build())
                    .get(10, TimeUnit.SECONDS).getMain(GetEmailMethodResponse.class).getList()[0];
            var thread = client.call(GetThreadMethodCall.builder().accountId(account).ids(new String[] {reply.getThreadId()}).build())
                    .get(10, TimeUnit.SECONDS).getMain(GetThreadMethodResponse.class).getList()[0];
            assertThat(thread.getEmailIds()).as("the question and its reply").hasSize(2).endsWith(reply.getId());

            var boxes = client.call(GetMailboxMethodCall.builder().accountId(account).build()).get(10, TimeUnit.SECONDS)
                    .getMain(GetMailboxMethodResponse.class).getList();
            String archive = Arrays.stream(boxes).filter(b -> b.getRole() == Role.ARCHIVE).findFirst().orElseThrow().getId();
            var copied = client.call(CopyEmailMethodCall.builder().fromAccountId(account).accountId(account)
                    .create(Map.of("c", rs.ltt.jmap.common.entity.Email.builder().id(reply.getId()).mailboxId(archive, true).build())).build())
                    .get(10, TimeUnit.SECONDS).getMain(CopyEmailMethodResponse.class);
            assertThat(copied.getCreated()).containsKey("c");

            CountDownLatch heard = new CountDownLatch(1);
            var push = client.monitorEvents(change -> {
                heard.countDown();
                return true;
            }).get(10, TimeUnit.SECONDS);
            assertThat(push).isInstanceOf(rs.ltt.jmap.client.event.WebSocketPushService.class);
            LineClient.sendMail(HOST, node.smtp(), "bob@example.net", "alice@example.test", "pushed over the socket");
            assertThat(heard.await(10, TimeUnit.SECONDS)).as("a StateChange over the WebSocket").isTrue();
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
