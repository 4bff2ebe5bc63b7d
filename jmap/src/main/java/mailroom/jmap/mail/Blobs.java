package mailroom.jmap.mail;

import mailroom.core.mime.MimePart;
import mailroom.core.mime.ParsedMessage;
import mailroom.storage.BlobStore;
import mailroom.storage.MessageSummary;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The blobs a login may read in an account: its messages ("b{mailbox}-{uid}") in mailboxes the
 * login may read, their parts' decoded bodies ("b{mailbox}-{uid}-{part}") and what was uploaded
 * into the account ("u{sha256}"). Uploads are remembered for a day
 * by the node that took them: that is where an Email/import or a download of them must go. The
 * bytes themselves are in the shared BlobStore like every message's.
 */
public final class Blobs {
    /** Bytes to send, with the type and name they came with. */
    public record Blob(byte[] bytes, String type, String name) {}

    public record Uploaded(String blobId, String type, long size) {}

    private static final Duration KEEP_UPLOADS = Duration.ofDays(1);

    private final MailContext mail;
    private final Map<String, Instant> uploads = new ConcurrentHashMap<>();

    public Blobs(MailContext mail) {
        this.mail = mail;
    }

    /** Stores an upload durably and remembers it for the account. */
    public Uploaded upload(long accountId, InputStream in, String type, long maxSize) throws IOException {
        try (BlobStore.Writer w = mail.storage().blobs().create()) {
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (w.size() + n > maxSize) throw new TooLarge();
                w.stream().write(buffer, 0, n);
            }
            long size = w.size();
            String hash = w.commit();
            Instant now = Instant.now();
            uploads.put(accountId + "/" + hash, now);
            uploads.values().removeIf(t -> t.isBefore(now.minus(KEEP_UPLOADS)));
            return new Uploaded("u" + hash, type, size);
        }
    }

    public static final class TooLarge extends IOException {
        TooLarge() {
            super("the upload is larger than maxSizeUpload");
        }
    }

    /**
     * The blob's bytes when the login may read it: an upload into the account, or a message (or one
     * of its parts) in a mailbox the login may read.
     */
    public Optional<Blob> find(Reach reach, String blobId) {
        try {
            if (blobId.startsWith("u")) {
                String hash = blobId.substring(1);
                if (!uploads.containsKey(reach.accountId() + "/" + hash) || !mail.storage().blobs().exists(hash)) return Optional.empty();
                return Optional.of(new Blob(mail.storage().blobs().read(hash), "application/octet-stream", null));
            }
            var ref = Ids.parse(blobId, 'b');
            if (ref.isEmpty()) return Optional.empty();
            var message = message(reach, ref.get().mailboxId(), ref.get().uid());
            if (message.isEmpty()) return Optional.empty();
            byte[] bytes = mail.storage().blobs().read(message.get().summary().blobId());
            if (ref.get().part() == null) return Optional.of(new Blob(bytes, "message/rfc822", null));
            var part = EmailView.find(EmailView.tree(message.get().parsed().root()), ref.get().part());
            if (part == null) return Optional.empty();
            MimePart m = part.mime();
            return Optional.of(new Blob(new Content(bytes).decoded(m), part.type(), part.name()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A stored message with its structure, its flags as the login sees them. */
    public record Message(long mailboxId, MessageSummary summary, ParsedMessage parsed) {}

    /** The message when it is in a mailbox the login may read; else it is not there for the login. */
    public Optional<Message> message(Reach reach, long mailboxId, long uid) {
        if (!reach.readable(mailboxId)) return Optional.empty();
        List<MessageSummary> found = mail.store().messages(reach.accountId(), mailboxId, List.of(uid));
        if (found.isEmpty()) return Optional.empty();
        MessageSummary summary = reach.asSeen(mailboxId, found.get(0));
        return mail.store().structure(reach.accountId(), mailboxId, found.get(0)).map(p -> new Message(mailboxId, summary, p));
    }
}
