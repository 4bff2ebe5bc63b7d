package mailroom.storage;

import mailroom.core.event.EventBus;

import java.io.Closeable;

/** The four stores of one node, opened together over one backend. */
public interface Storage extends Closeable {
    MailStore mail();

    BlobStore blobs();

    Directory directory();

    Queue queue();

    EventBus events();

    @Override
    void close();
}
