package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.net.TlsContexts;
import mailroom.core.testing.Transcript;
import mailroom.storage.Accounts;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;
import mailroom.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two Mailroom instances, example.test and other.test, finding each other by MX in a test DNS
 * server: mail submitted on one is DKIM-signed, delivered over SMTP to the other, and checked there
 * (SPF, DKIM, DMARC into Authentication-Results).
 */
class InterDomainTest extends SmtpTestServer {
    private Path otherDir;
    private Storage otherStorage;
    private Accounts otherAccounts;
    private Sorter otherSorter;
    private SmtpServer otherMx;

    @Override
    void configure(Config config) {
        try {
            otherDir = Files.createTempDirectory("mailroom-other");
            var other = new Config();
            other.mail.domain = "other.test";
            other.node.dataDir = otherDir;
            other.smtp.port = 0;
            other.delivery.resolvers = List.of(dns.address());
            other.smtp.dmarcReject = true;
            otherStorage = SqliteStorage.open(otherDir, true);
            otherAccounts = new Accounts(otherStorage, "other.test");
            otherAccounts.addDomain("other.test");
            otherAccounts.create("carol", "password-carol");
            otherSorter = new Sorter(other, otherStorage, otherAccounts, "other-sorter");
            otherSorter.start();
            otherMx = SmtpServer.mx(other, TlsContexts.load(null, null, otherDir, other.hostname()), otherSorter);
            config.delivery.remotePort = otherMx.port();
            var key = Dkim.generate("example.test", "sel1");
            dns.add("other.test. 60 IN MX 10 mx.other.test.").add("mx.other.test. 60 IN A 127.0.0.1")
                    .add("example.test. 60 IN TXT \"v=spf1 ip4:127.0.0.0/8 -all\"")
                    .add("_dmarc.example.test. 60 IN TXT \"v=DMARC1; p=reject\"");
            String[] record = Dkim.dnsRecord(key);
            String value = record[1];
            dns.add(record[0] + ". 60 IN TXT \"" + value.substring(0, 200) + "\" \"" + value.substring(200) + "\"");
            dkimKey = key;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private mailroom.storage.Directory.DkimKey dkimKey;

    @AfterEach
    void stopOther() throws IOException {
        otherMx.close();
        otherSorter.close();
        otherStorage.close();
    }

    private List<String> carolsMail() {
        long id = otherAccounts.find("carol").orElseThrow().id();
        return otherStorage.mail().messages(id, otherStorage.mail().mailbox(id, Mailbox.INBOX).orElseThrow().id()).stream().map(m -> {
            try {
                return new String(otherStorage.blobs().read(m.blobId()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    @Test
    void signedMailPassesDkimSpfAndDmarcOnTheOtherSide() throws Exception {
        storage.directory().setDkimKey(dkimKey);
        submit("alice@example.test", "password-alice", List.of("carol@other.test"),
                "From: Alice <alice@example.test>\r\nTo: carol@other.test\r\nSubject: signed\r\n\r\nHello Carol.");
        await().atMost(Duration.ofSeconds(15)).until(() -> carolsMail().size() == 1);
        String received = carolsMail().get(0);
        assertThat(received).startsWith("Return-Path: <alice@example.test>\r\nReceived: from mail.example.test")
                .contains("DKIM-Signature:").contains("d=example.test").contains("a=rsa-sha256").contains("Hello Carol.");
        String results = received.substring(received.indexOf("Authentication-Results: mail.other.test;"));
        results = results.substring(0, results.indexOf("\r\n", results.indexOf("dmarc=")));
        assertThat(results).contains("spf=pass smtp.mailfrom=alice@example.test").contains("dkim=pass header.d=example.test header.s=sel1")
                .contains("dmarc=pass (p=reject) header.from=example.test");
    }

    @Test
    void aForgedFromIsRefusedWhenTheDomainAsksForRejection() throws Exception {
        try (var t = new Transcript("127.0.0.1", otherMx.port())) {
            t.expect("220");
            t.send("EHLO forger.test").expectReply("250 ");
            t.send("MAIL FROM:<someone@forger.test>").expect("250");
            t.send("RCPT TO:<carol@other.test>").expect("250");
            t.send("DATA").expect("354");
            t.send("From: <ceo@example.test>\r\nSubject: pay this\r\n\r\nnow\r\n.").expect("550 5.7.1 Rejected by the DMARC policy of example.test");
            t.send("NOOP").expect("250"); // the session goes on
        }
        assertThat(carolsMail()).isEmpty();
    }
}
