package mailroom.smtp;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import mailroom.core.testing.Transcript;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Submission (RFC 6409) on both ports, with Angus Mail and raw transcripts; outside mail goes to a sink found by MX. */
class SubmissionTest extends SmtpTestServer {
    @Test
    void angusMailSubmitsOverStartTlsAndImplicitTls() throws Exception {
        send(submission.port(), false, "over STARTTLS");
        send(submissions.port(), true, "over implicit TLS");
        assertThat(inbox("bob")).hasSize(2);
        String stored = stored(inbox("bob").get(0));
        assertThat(stored).startsWith("Return-Path: <alice@example.test>\r\n").contains("with ESMTPSA").contains("Message-ID: <");
        assertThat(sink.messages).hasSize(2);
        var outside = sink.messages.stream().filter(m -> m.data().contains("Subject: over STARTTLS")).findFirst().orElseThrow();
        assertThat(outside.sender()).isEqualTo("alice@example.test");
        assertThat(outside.recipients()).containsExactly("carol@remote.test");
        assertThat(outside.data()).doesNotContain("Return-Path:").startsWith("Received: ").contains("Date: ");
    }

    private void send(int port, boolean implicitTls, String subject) throws Exception {
        String protocol = implicitTls ? "smtps" : "smtp";
        var p = new Properties();
        p.put("mail." + protocol + ".host", "127.0.0.1");
        p.put("mail." + protocol + ".port", String.valueOf(port));
        p.put("mail." + protocol + ".auth", "true");
        p.put("mail." + protocol + ".ssl.trust", "*");
        p.put("mail." + protocol + ".starttls.enable", "true");
        p.put("mail." + protocol + ".starttls.required", "true");
        Session session = Session.getInstance(p);
        var message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@example.test"));
        message.setRecipients(Message.RecipientType.TO, "bob@example.test, carol@remote.test");
        message.setSubject(subject);
        message.setText("sent " + subject);
        try (Transport transport = session.getTransport(protocol)) {
            transport.connect("alice@example.test", "password-alice");
            transport.sendMessage(message, message.getAllRecipients());
        }
    }

    @Test
    void noAuthWithoutTlsNoMailWithoutAuthNoSenderAddressThatIsNotOwned() throws Exception {
        try (var t = new Transcript("127.0.0.1", submission.port())) {
            t.expect("220 mail.example.test ESMTP Mailroom submission");
            t.send("EHLO client.test");
            assertThat(t.expectReply("250 ")).noneMatch(l -> l.contains("AUTH")).anyMatch(l -> l.contains("STARTTLS"));
            t.play("""
                    C: AUTH PLAIN AGFsaWNlAHBhc3N3b3JkLWFsaWNl
                    S: 538 5.7.11
                    C: MAIL FROM:<alice@example.test>
                    S: 530 5.7.0
                    C: STARTTLS
                    S: 220 2.0.0
                    """);
            t.startTls();
            t.send("EHLO client.test");
            assertThat(t.expectReply("250 ")).contains("250-AUTH PLAIN LOGIN SCRAM-SHA-256");
            t.play("""
                    C: AUTH PLAIN AGFsaWNlAHdyb25n
                    S: 535 5.7.8
                    C: AUTH LOGIN
                    S: 334 VXNlcm5hbWU6
                    C: *
                    S: 501 5.0.0
                    C: AUTH LOGIN YWxpY2U=
                    S: 334 UGFzc3dvcmQ6
                    C: cGFzc3dvcmQtYWxpY2U=
                    S: 235 2.7.0
                    C: AUTH PLAIN AGFsaWNlAHBhc3N3b3JkLWFsaWNl
                    S: 503 5.5.1
                    C: MAIL FROM:<bob@example.test>
                    S: 553 5.7.1
                    C: MAIL FROM:<>
                    S: 553 5.7.1
                    C: MAIL FROM:<alice@elsewhere.test>
                    S: 553 5.7.1
                    C: MAIL FROM:<alice+lists@example.test>
                    S: 250 2.1.0
                    C: RCPT TO:<nobody@example.test>
                    S: 550 5.1.1
                    C: RCPT TO:<anyone@remote.test>
                    S: 250 2.1.5
                    """);
        }
    }

    @Test
    void anAliasThatDeliversToTheAccountMayBeItsSender() throws Exception {
        storage.directory().setAlias(new mailroom.storage.Directory.Alias("sales", "example.test", java.util.List.of("alice@example.test", "bob@example.test")));
        try (var t = Transcript.tls("127.0.0.1", submissions.port())) {
            t.play("""
                    S: 220
                    C: EHLO client.test
                    """);
            t.expectReply("250 ");
            t.play("""
                    C: AUTH PLAIN AGJvYgBwYXNzd29yZC1ib2I=
                    S: 235 2.7.0
                    C: MAIL FROM:<sales@example.test>
                    S: 250 2.1.0
                    """);
        }
    }

    /** SCRAM-SHA-256 as RFC 5802 section 3 tells a client to compute it. */
    @Test
    void scramSha256OverImplicitTls() throws Exception {
        try (var t = Transcript.tls("127.0.0.1", submissions.port())) {
            t.expect("220");
            t.send("EHLO client.test").expectReply("250 ");
            String clientFirstBare = "n=alice,r=fyko+d2lbbFgONRv9qkxdawL";
            t.send("AUTH SCRAM-SHA-256 " + b64("n,," + clientFirstBare));
            String serverFirst = unb64(t.expect("334 ").substring(4));
            String nonce = serverFirst.split(",")[0].substring(2);
            byte[] salt = Base64.getDecoder().decode(serverFirst.split(",")[1].substring(2));
            int iterations = Integer.parseInt(serverFirst.split(",")[2].substring(2));
            assertThat(nonce).startsWith("fyko+d2lbbFgONRv9qkxdawL");
            assertThat(iterations).isGreaterThanOrEqualTo(4096);

            byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec("password-alice".toCharArray(), salt, iterations, 256)).getEncoded();
            byte[] clientKey = hmac(salted, "Client Key");
            String withoutProof = "c=biws,r=" + nonce;
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] signature = hmac(MessageDigest.getInstance("SHA-256").digest(clientKey), authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
            t.send(b64(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)));
            String serverFinal = unb64(t.expect("334 ").substring(4));
            assertThat(serverFinal).isEqualTo("v=" + Base64.getEncoder().encodeToString(hmac(hmac(salted, "Server Key"), authMessage)));
            t.send("").expect("235 2.7.0");
            t.send("MAIL FROM:<alice@example.test>").expect("250");
        }
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    interface IoSupplier<T> {
        T get() throws IOException;
    }

    static <T> T unchecked(IoSupplier<T> supplier) {
        try {
            return supplier.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
