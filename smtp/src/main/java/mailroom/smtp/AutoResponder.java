package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.sieve.Action;
import mailroom.storage.Account;
import mailroom.storage.BlobStore;
import mailroom.storage.Queue;
import mailroom.storage.Storage;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a script's decision sets going once the message is filed: redirected copies and vacation
 * replies, each queued for the sorters like any outgoing mail. Replies follow RFC 3834: a null
 * reverse path, Auto-Submitted: auto-replied, In-Reply-To the original, and a DKIM signature when
 * the sending domain has a key.
 */
final class AutoResponder {
    private static final Logger log = LoggerFactory.getLogger(AutoResponder.class);

    private final Storage storage;
    private final String hostname;

    AutoResponder(Storage storage, String hostname) {
        this.storage = storage;
        this.hostname = hostname;
    }

    void send(Account account, String blobId, String sender, List<Action> followUps) {
        for (Action action : followUps) {
            try {
                switch (action) {
                    case Action.Redirect r -> redirect(account, blobId, sender, r.address());
                    case Action.Vacation v -> vacation(account, blobId, v);
                    default -> throw new IllegalArgumentException("not a follow-up: " + action);
                }
            } catch (IOException | RuntimeException e) {
                log.error("sieve: {}: could not queue {}: {}", account.address(), action.describe(), e.getMessage());
            }
        }
    }

    /** The message unchanged but for a Delivered-To field, which lets a second pass see the loop. */
    private void redirect(Account account, String blobId, String sender, String to) throws IOException {
        String copy;
        try (BlobStore.Writer blob = storage.blobs().create(); InputStream original = MessageHeaders.withoutReturnPath(storage.blobs().open(blobId))) {
            blob.stream().write(("Delivered-To: " + account.address() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            original.transferTo(blob.stream());
            copy = blob.commit();
        }
        long id = storage.queue().enqueue(Queue.Envelope.of(sender, List.of(to)), copy, Instant.now());
        log.info("sieve: {}: redirected {} to <{}> as {}", account.address(), blobId.substring(0, 12), to, id);
    }

    private void vacation(Account account, String blobId, Action.Vacation v) throws IOException {
        if (!storage.sieve().claimResponse(account.id(), v.handle(), v.to().toLowerCase(java.util.Locale.ROOT), Instant.now(), v.period())) {
            log.debug("sieve: {}: vacation reply to <{}> already sent this period", account.address(), v.to());
            return;
        }
        String headers;
        try (InputStream original = storage.blobs().open(blobId)) {
            headers = new String(original.readNBytes(256 * 1024), StandardCharsets.UTF_8);
        }
        int end = headers.indexOf("\r\n\r\n");
        headers = end < 0 ? headers : headers.substring(0, end + 2);
        String reply = reply(account, v, MessageHeaders.field(headers, "Message-ID").orElse(null), MessageHeaders.field(headers, "References").orElse(null));
        String signature = "";
        String fromDomain = MessageHeaders.fromAddress(reply).map(EmailAddress::domain).orElse(account.domain());
        var key = storage.directory().dkimKey(fromDomain);
        if (key.isPresent()) signature = Dkim.sign(key.get(), new ByteArrayInputStream(reply.getBytes(StandardCharsets.UTF_8)));
        String stored;
        try (BlobStore.Writer blob = storage.blobs().create()) {
            blob.stream().write((signature + reply).getBytes(StandardCharsets.UTF_8));
            stored = blob.commit();
        }
        long id = storage.queue().enqueue(Queue.Envelope.of("", List.of(v.to())), stored, Instant.now());
        log.info("sieve: {}: vacation reply to <{}> queued as {}", account.address(), v.to(), id);
    }

    private String reply(Account account, Action.Vacation v, String inReplyTo, String references) {
        String from = v.from() == null || v.from().isBlank() ? account.address() : v.from();
        StringBuilder m = new StringBuilder()
                .append("From: ").append(from.contains("<") ? from : "<" + from + ">").append("\r\n")
                .append("To: <").append(v.to()).append(">\r\n")
                .append("Subject: ").append(EncoderUtil.encodeIfNecessary(v.subject(), EncoderUtil.Usage.TEXT_TOKEN, 9)).append("\r\n")
                .append("Date: ").append(Trace.now()).append("\r\n")
                .append("Message-ID: <").append(UUID.randomUUID()).append("@").append(hostname).append(">\r\n");
        if (inReplyTo != null) {
            m.append("In-Reply-To: ").append(inReplyTo.strip()).append("\r\n");
            m.append("References: ").append(references == null ? "" : references.strip() + " ").append(inReplyTo.strip()).append("\r\n");
        }
        m.append("Auto-Submitted: auto-replied (vacation)\r\n").append("MIME-Version: 1.0\r\n");
        if (v.mime()) return m.append(v.body().replaceAll("(?<!\r)\n", "\r\n")).toString(); // :mime: the reason is a MIME entity
        return m.append("Content-Type: text/plain; charset=utf-8\r\n").append("Content-Transfer-Encoding: 8bit\r\n\r\n")
                .append(v.body().replaceAll("(?<!\r)\n", "\r\n")).toString();
    }
}
