package mailroom.transfer;

import java.io.IOException;
import java.time.Instant;
import java.util.Set;

/** Where an export writes: a Maildir++ tree or mbox files. Folders come one at a time, each with its messages in UID order. */
public interface Destination extends AutoCloseable {

    /** Every folder that will come, before the first: a layout may need to know which ones have children. */
    default void plan(java.util.Collection<String> folderNames) throws IOException {}

    /** A folder begins; {@code keywords} are every keyword its messages carry (mbox declares them up front). */
    void startFolder(String name, long uidValidity, long uidNext, Set<String> keywords) throws IOException;

    void message(long uid, Set<String> flags, Instant internalDate, byte[] bytes) throws IOException;

    void endFolder() throws IOException;

    void subscriptions(Set<String> names) throws IOException;

    @Override
    default void close() throws IOException {}
}
