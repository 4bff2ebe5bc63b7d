package mailroom.transfer;

import java.io.IOException;
import java.time.Instant;
import java.util.Set;

/**
 * One message as a source offers it: its folder (Mailroom's name, "/" between levels), its key in
 * that folder for the import journal ({@code item}: the source's UID, a Maildir file's unique name,
 * an mbox message's position and digest), the UID to keep (0: none), flags and keywords as IMAP
 * names, the internal date, its size when known beforehand (-1 otherwise), and its bytes, read only
 * when the message is actually copied.
 */
public record SourceMessage(String folder, String item, long uid, Set<String> flags, Instant internalDate, long size, Bytes bytes) {

    /** The message's bytes, read on demand: a file not read at all when the journal already has it. */
    @FunctionalInterface
    public interface Bytes {
        byte[] read() throws IOException;
    }
}
