package mailroom.imap;

import mailroom.core.mime.ParsedMessage;
import mailroom.storage.MailStore;
import mailroom.storage.MessageSummary;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed message structures by blob id, shared by every session of the server. A structure is the
 * parse of a message's bytes and the blob id names those bytes, so an entry is never stale, and a
 * FETCH of ENVELOPE, BODYSTRUCTURE or a section of a message some session has looked at before
 * reads nothing from the database. (Clients fetch the same messages' structure again and again:
 * at each new connection, for each part they open.)
 */
final class Structures {
    private static final int CAPACITY = 8192;
    private final Map<String, ParsedMessage> byBlob = new ConcurrentHashMap<>();

    /** The stored structure of {@code message} in {@code mailbox}; empty when it has been expunged and is not known here. */
    Optional<ParsedMessage> of(MailStore store, long accountId, long mailboxId, MessageSummary message) {
        ParsedMessage known = byBlob.get(message.blobId());
        if (known != null) return Optional.of(known);
        Optional<ParsedMessage> stored = store.structure(accountId, mailboxId, message.uid());
        stored.ifPresent(parsed -> {
            if (byBlob.size() >= CAPACITY) byBlob.clear(); // crude, but a working set rebuilds at once
            byBlob.put(message.blobId(), parsed);
        });
        return stored;
    }
}
