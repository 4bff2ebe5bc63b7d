package mailroom.transfer;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Where an import reads from: a Maildir, mbox files, an IMAP server. A source lists its folders,
 * then hands over each folder's messages in its own order; the importer files them.
 */
public interface Source extends AutoCloseable {

    /** A folder of the source: Mailroom's name for it, and its UIDVALIDITY when the source has one (0 otherwise). */
    record Folder(String name, long uidValidity) {}

    /** Receives one folder's messages, and what the source could not read (named by folder and message). */
    interface Sink {
        void message(SourceMessage message) throws IOException;

        /** A message the journal already holds, passed over without reading it. */
        void skipped();

        void problem(String folder, String message, String reason);
    }

    /** Names the source in the import journal, stable across runs (e.g. imaps://user@host:993). */
    String id();

    List<Folder> folders() throws IOException;

    /** The folders the user subscribed to, in Mailroom's names. */
    Set<String> subscriptions() throws IOException;

    /**
     * Sends the folder's messages to the sink in order, passing over those whose item is in
     * {@code done}. May be called for several folders at once, up to {@link #parallelism()}.
     */
    void read(Folder folder, Set<String> done, Sink sink) throws IOException;

    /** How many folders are read at once. */
    default int parallelism() {
        return 2;
    }

    /** Messages and bytes in all, when the source can tell cheaply; -1 when not. */
    default long[] totals() {
        return new long[]{-1, -1};
    }

    @Override
    default void close() throws IOException {}

    /** The same source limited to the named folders (the command line's --folder). */
    static Source only(Source source, Set<String> names) {
        return new Source() {
            @Override
            public String id() {
                return source.id();
            }

            @Override
            public List<Folder> folders() throws IOException {
                return source.folders().stream().filter(f -> names.contains(f.name())).toList();
            }

            @Override
            public Set<String> subscriptions() throws IOException {
                return source.subscriptions().stream().filter(names::contains).collect(java.util.stream.Collectors.toSet());
            }

            @Override
            public void read(Folder folder, Set<String> done, Sink sink) throws IOException {
                source.read(folder, done, sink);
            }

            @Override
            public int parallelism() {
                return source.parallelism();
            }

            @Override
            public void close() throws IOException {
                source.close();
            }
        };
    }
}
