package mailroom.transfer;

import java.io.IOException;
import java.time.Instant;
import java.util.Set;

/** Where an export writes: a Maildir++ tree or mbox files. Folders come one at a time, each with its messages in UID order. */
public interface Destination extends AutoCloseable {

    void startFolder(String name, long uidValidity, long uidNext) throws IOException;

    void message(long uid, Set<String> flags, Instant internalDate, byte[] bytes) throws IOException;

    void endFolder() throws IOException;

    void subscriptions(Set<String> names) throws IOException;

    @Override
    default void close() throws IOException {}
}
