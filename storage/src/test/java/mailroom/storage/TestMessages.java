package mailroom.storage;

import mailroom.core.mime.MessageParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Builds and stores small test messages. */
public final class TestMessages {
    private TestMessages() {}

    public static byte[] message(String subject, String body) {
        return ("From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject.hashCode() + "@example.test>\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the bytes as a blob and files them into INBOX of each account. */
    public static List<Delivery.Filed> deliver(Storage storage, byte[] bytes, long... accountIds) throws IOException {
        String blob;
        try (var writer = storage.blobs().create()) {
            writer.stream().write(bytes);
            blob = writer.commit();
        }
        var targets = java.util.Arrays.stream(accountIds).mapToObj(id -> new Delivery.Target(id, Mailbox.INBOX, Set.<String>of())).toList();
        return storage.mail().deliver(new Delivery(blob, Instant.now(), MessageParser.parse(bytes)), targets);
    }
}
