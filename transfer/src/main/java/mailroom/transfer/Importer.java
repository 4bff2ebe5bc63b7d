package mailroom.transfer;

import mailroom.core.mime.MessageParser;
import mailroom.core.mime.ParsedMessage;
import mailroom.storage.Account;
import mailroom.storage.Import;
import mailroom.storage.Mailbox;
import mailroom.storage.Storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Files what a {@link Source} offers into one account. Folders are read in parallel (as many as the
 * source allows); within a folder messages are filed in source order, in batches: the batch's blobs
 * are written at once (each durable before its row, as deliveries are), then one transaction files
 * the batch and journals every message, so a kill at any moment leaves each message either filed
 * and journaled or not at all, and a rerun passes over what is journaled.
 */
public final class Importer {
    private static final int BATCH_MESSAGES = 256;
    private static final long BATCH_BYTES = 16L << 20;
    /** Blob writes at once: each ends with an fsync, which many writers share the wait for. */
    private static final int BLOB_WRITERS = 16;

    private final Storage storage;
    private final Account account;
    private final Progress progress;

    public Importer(Storage storage, Account account, Progress progress) {
        this.storage = storage;
        this.account = account;
        this.progress = progress;
    }

    /** Imports everything the source has that the journal does not; returns when every folder is done. */
    public void run(Source source) throws IOException, InterruptedException {
        List<Source.Folder> folders = source.folders();
        long[] totals = source.totals();
        if (totals[0] >= 0) progress.expect(totals[0]);
        var slots = new Semaphore(Math.max(1, source.parallelism()));
        try (ExecutorService blobWriters = Executors.newFixedThreadPool(BLOB_WRITERS, Thread.ofPlatform().daemon().name("blob-writer-", 0).factory());
             var folderThreads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (Source.Folder folder : folders) {
                slots.acquire();
                running.add(folderThreads.submit(() -> {
                    try {
                        importFolder(source, folder, blobWriters);
                    } catch (IOException | RuntimeException e) {
                        progress.failed(new Problem(folder.name(), null, "folder not finished: " + reason(e)));
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
            for (var f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        for (String name : source.subscriptions()) storage.mail().setSubscribed(account.id(), name, true);
    }

    static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Makes the folder's mailbox ready and decides whether the source's UIDs can be kept: when the
     * mailbox already has the source's UIDVALIDITY (a rerun), or never held mail and takes it.
     */
    private boolean prepareMailbox(Source.Folder folder) {
        var mail = storage.mail();
        Mailbox box = mail.mailbox(account.id(), folder.name()).orElse(null);
        if (box == null) {
            try {
                box = mail.createMailbox(account.id(), folder.name(), null, folder.uidValidity());
            } catch (mailroom.storage.Directory.AlreadyExists raced) {
                box = mail.mailbox(account.id(), folder.name()).orElseThrow();
            }
        }
        if (folder.uidValidity() == 0) return false;
        if (box.uidValidity() == folder.uidValidity()) return true;
        if (mail.setUidValidity(account.id(), box.id(), folder.uidValidity())) return true;
        progress.note(folder.name() + ": already held mail, so its messages get new UIDs (UIDVALIDITY " + box.uidValidity() + ")");
        return false;
    }

    private void importFolder(Source source, Source.Folder folder, ExecutorService blobWriters) throws IOException {
        boolean keepUids = prepareMailbox(folder);
        Set<String> done = storage.mail().importedItems(account.id(), source.id(), folder.name(), folder.uidValidity());
        var batch = new Batch(source.id(), folder, keepUids, blobWriters);
        source.read(folder, done, new Source.Sink() {
            @Override
            public void message(SourceMessage message) throws IOException {
                batch.add(message);
            }

            @Override
            public void skipped() {
                progress.skipped(1);
            }

            @Override
            public void problem(String folderName, String message, String reason) {
                progress.failed(new Problem(folderName, message, reason));
            }
        });
        batch.finish();
    }

    /**
     * Messages of one folder on their way in. Each message's blob is written as soon as the source
     * hands it over (on the blob writers, many at once); when a batch is full it is filed on a
     * thread of its own while the next batch is read and written, one filing at a time, so the
     * folder's order (and its UIDs) is kept.
     */
    private final class Batch {
        private final String sourceId;
        private final Source.Folder folder;
        private final boolean keepUids;
        private final ExecutorService blobWriters;
        private final List<Future<Prepared>> waiting = new ArrayList<>();
        private long waitingBytes;
        private Thread filing;
        private boolean toldOfNewUids;
        private volatile RuntimeException filingFailed;

        Batch(String sourceId, Source.Folder folder, boolean keepUids, ExecutorService blobWriters) {
            this.sourceId = sourceId;
            this.folder = folder;
            this.keepUids = keepUids;
            this.blobWriters = blobWriters;
        }

        void add(SourceMessage message) {
            waiting.add(blobWriters.submit(() -> prepare(message)));
            waitingBytes += Math.max(message.size(), 0);
            if (waiting.size() >= BATCH_MESSAGES || waitingBytes >= BATCH_BYTES) flush();
        }

        /** One message read, parsed and stored as a blob, or why it could not be. */
        private record Prepared(SourceMessage message, String blobId, ParsedMessage parsed, String problem) {}

        /** Hands the waiting messages to the filer once their blobs are written; returns while they are filed. */
        void flush() {
            if (waiting.isEmpty()) return;
            List<Prepared> ready = new ArrayList<>(waiting.size());
            for (var f : waiting) ready.add(await(f));
            waiting.clear();
            waitingBytes = 0;
            awaitFiling();
            filing = Thread.ofVirtual().name("file-" + folder.name()).start(() -> {
                try {
                    file(ready);
                } catch (RuntimeException e) {
                    filingFailed = e;
                }
            });
        }

        /** Waits for the batch being filed; its failure (the storage refusing a write) ends the folder. */
        void awaitFiling() {
            if (filing != null) {
                try {
                    filing.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
                filing = null;
            }
            if (filingFailed != null) throw filingFailed;
        }

        /** Flushes and waits until everything handed over is filed. */
        void finish() {
            flush();
            awaitFiling();
        }

        private static <T> T await(Future<T> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        private void file(List<Prepared> ready) {
            List<Import> imports = new ArrayList<>(ready.size());
            List<Prepared> filed = new ArrayList<>(ready.size());
            for (Prepared p : ready) {
                if (p.problem() != null) {
                    progress.failed(new Problem(folder.name(), p.message().item(), p.problem()));
                    continue;
                }
                var m = p.message();
                imports.add(new Import(folder.name(), p.blobId(), p.parsed(), m.internalDate(), m.flags(), keepUids ? m.uid() : 0,
                        new Import.Key(sourceId, folder.name(), folder.uidValidity(), m.item())));
                filed.add(p);
            }
            var outcomes = storage.mail().importMessages(account.id(), imports);
            for (int i = 0; i < outcomes.size(); i++) {
                Prepared p = filed.get(i);
                switch (outcomes.get(i)) {
                    case Import.Filed f -> {
                        progress.copied(p.parsed().size());
                        if (keepUids && f.uid() != p.message().uid() && !toldOfNewUids) {
                            toldOfNewUids = true; // mail was filed here meanwhile, above the source's UIDs
                            progress.note(folder.name() + ": from UID " + p.message().uid() + " on, messages get new UIDs (the mailbox already holds higher ones)");
                        }
                    }
                    case Import.AlreadyImported a -> progress.skipped(1);
                    case Import.OverQuota q -> progress.failed(new Problem(folder.name(), p.message().item(),
                            "over quota (" + q.usedBytes() + " of " + q.quotaBytes() + " bytes used, the message has " + p.parsed().size() + ")"));
                }
            }
        }

        private Prepared prepare(SourceMessage m) {
            byte[] bytes;
            try {
                bytes = m.bytes().read();
            } catch (IOException | RuntimeException e) {
                return new Prepared(m, null, null, "cannot read: " + reason(e));
            }
            if (bytes == null || bytes.length == 0) return new Prepared(m, null, null, "empty, not a message");
            try (var writer = storage.blobs().create()) {
                writer.stream().write(bytes);
                String blob = writer.commit();
                return new Prepared(m, blob, MessageParser.parse(bytes), null);
            } catch (IOException e) {
                return new Prepared(m, null, null, "cannot store: " + reason(e));
            }
        }
    }
}
