package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.metrics.Meters;
import mailroom.storage.BlobStore;
import mailroom.storage.Queue;
import mailroom.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Works the queue: claims due entries under a lease, delivers each recipient (locally, or to the
 * outside), and records the outcome: delivered, retried later with exponential back-off, or failed
 * with a DSN to the sender. Woken at once by new mail, and every second for retries and for entries
 * whose holder died.
 */
final class QueueRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueRunner.class);

    private final Config.Queue settings;
    private final String hostname;
    private final Storage storage;
    private final StoreHandoff local;
    private final RemoteDelivery remote;
    private final Predicate<String> isLocalDomain;
    private final String owner;
    private final Semaphore workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private boolean woken;
    private volatile boolean running = true;
    private Thread loop;

    QueueRunner(Config config, Storage storage, StoreHandoff local, RemoteDelivery remote, Predicate<String> isLocalDomain, String owner) {
        this.settings = config.queue;
        this.hostname = config.hostname();
        this.storage = storage;
        this.local = local;
        this.remote = remote;
        this.isLocalDomain = isLocalDomain;
        this.owner = owner;
        this.workers = new Semaphore(settings.workers);
    }

    void start() {
        int released = storage.queue().releaseAll(owner); // what our previous run held when it died
        if (released > 0) log.info("took back {} queue entries from this node's previous run", released);
        loop = Thread.ofPlatform().name("queue-runner").daemon().start(this::run);
    }

    /** New mail is queued: look now rather than at the next tick. */
    void wake() {
        lock.lock();
        try {
            woken = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running) {
            try {
                workers.acquire();
                int free = 1 + workers.drainPermits();
                List<Queue.Entry> entries;
                try {
                    entries = storage.queue().claim(owner, Instant.now(), settings.lease, free);
                } catch (RuntimeException e) {
                    workers.release(free); // the claim failed (the database away): the slots are free again
                    throw e;
                }
                workers.release(free - entries.size());
                for (Queue.Entry entry : entries) {
                    Thread.ofVirtual().name("delivery-" + entry.id()).start(() -> {
                        try {
                            process(entry);
                        } catch (RuntimeException e) {
                            // Recording the outcome failed (the database failing over): the lease runs
                            // out and the entry is tried again; its once-keys keep copies from doubling.
                            log.warn("queue {}: outcome not recorded, to be tried again: {}", entry.id(), e.getMessage());
                        } finally {
                            workers.release();
                            wake(); // a slot is free: there may be more waiting
                        }
                    });
                }
                if (entries.isEmpty()) sleep();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("queue runner: {}", e.getMessage(), e);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void sleep() throws InterruptedException {
        lock.lock();
        try {
            if (!woken) work.await(1, TimeUnit.SECONDS);
            woken = false;
        } finally {
            lock.unlock();
        }
    }

    /** One attempt at every due recipient of an entry; the outcomes are recorded in one write. */
    private void process(Queue.Entry entry) {
        Instant now = Instant.now();
        List<Queue.Recipient> due = entry.recipients().stream()
                .filter(r -> r.state() == Queue.State.PENDING && !r.nextAttempt().isAfter(now)).toList();
        Map<Boolean, List<Queue.Recipient>> byPlace = due.stream()
                .collect(Collectors.partitioningBy(r -> isLocalDomain.test(domain(r.address()))));
        List<Queue.Recipient> localRecipients = byPlace.get(true), remoteRecipients = byPlace.get(false);
        List<RecipientResult> results = new ArrayList<>();
        try {
            if (!localRecipients.isEmpty()) {
                results.addAll(local.deliver(StoreHandoff.Mail.of(entry), localRecipients.stream().map(Queue.Recipient::address).toList()));
            }
            if (!remoteRecipients.isEmpty()) results.addAll(remote.deliver(entry, remoteRecipients));
        } catch (IOException | RuntimeException e) {
            log.error("queue {}: delivery failed: {}", entry.id(), e.toString());
            results.clear();
            due.forEach(r -> results.add(new RecipientResult(r.address(), Reply.of(451, "4.3.0", "Local error: " + e.getMessage()))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // shutting down; the lease runs out and a sorter picks the entry up again
        }
        finish(entry, due, results, now);
    }

    private void finish(Queue.Entry entry, List<Queue.Recipient> due, List<RecipientResult> results, Instant now) {
        Map<String, Queue.Recipient> byAddress = due.stream().collect(Collectors.toMap(Queue.Recipient::address, r -> r));
        boolean expired = now.isAfter(entry.createdAt().plus(settings.giveUpAfter));
        List<Queue.Outcome> outcomes = new ArrayList<>();
        List<Dsn.Report> failed = new ArrayList<>(), delayed = new ArrayList<>(), delivered = new ArrayList<>();
        for (var result : results) {
            Queue.Recipient recipient = byAddress.get(result.address());
            Reply reply = result.reply();
            var report = new Dsn.Report(recipient.rcpt(), reply, null);
            String where = isLocalDomain.test(domain(result.address())) ? "local" : "remote";
            Meters.delivery(where, reply.code() < 400 ? "delivered" : reply.code() >= 500 || expired ? "failed" : "deferred");
            if (reply.code() < 400) {
                Meters.deliveryLatency(java.time.Duration.between(entry.createdAt(), Instant.now()));
                outcomes.add(new Queue.Delivered(result.address()));
                if (Dsn.wanted(recipient.rcpt(), Dsn.Action.DELIVERED)) delivered.add(report);
            } else if (reply.code() >= 500 || expired) {
                outcomes.add(new Queue.Failed(result.address(), describe(reply)));
                if (Dsn.wanted(recipient.rcpt(), Dsn.Action.FAILED)) failed.add(report);
            } else {
                int attempts = recipient.attempts() + 1;
                Duration wait = where.equals("local") ? localBackoff(attempts) : backoff(attempts);
                outcomes.add(new Queue.Deferred(result.address(), describe(reply), now.plus(wait)));
                if (warnNow(attempts) && Dsn.wanted(recipient.rcpt(), Dsn.Action.DELAYED)) delayed.add(report);
            }
        }
        if (!entry.sender().isEmpty()) { // never a notice about a notice (RFC 3461 section 6.2)
            notifySender(entry, Dsn.Action.FAILED, failed);
            notifySender(entry, Dsn.Action.DELAYED, delayed);
            notifySender(entry, Dsn.Action.DELIVERED, delivered);
        }
        recordOutcomes(entry, outcomes);
    }

    /**
     * Records the outcomes. A commit cut by a database failover is made again, once a primary
     * answers, instead of leaving the entry leased and untouched until its lease runs out (five
     * minutes): finish is safe to repeat, as it sets the same states and releases the lease only
     * while it is still ours.
     */
    private void recordOutcomes(Queue.Entry entry, List<Queue.Outcome> outcomes) {
        for (int attempt = 1; ; attempt++) {
            try {
                storage.queue().finish(entry.id(), owner, outcomes);
                return;
            } catch (mailroom.storage.StorageException e) {
                if (attempt == 3 || !running) throw e;
                log.warn("queue {}: recording the outcome failed ({}); trying again", entry.id(), e.getMessage());
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The wait before a local recipient's attempt {@code attempts + 1}: what keeps a local hand-off
     * from working passes in seconds (a store restarting, a database failing over), so its first
     * retries come after 30 s, doubling, and never later than a remote one's.
     */
    Duration localBackoff(int attempts) {
        Duration wait = LOCAL_RETRY.multipliedBy(1L << Math.min(attempts - 1, 20));
        Duration remote = backoff(attempts);
        return wait.compareTo(remote) < 0 ? wait : remote;
    }

    private static final Duration LOCAL_RETRY = Duration.ofSeconds(30);

    /** The wait before attempt {@code attempts + 1}: retry_initial, doubling, at most retry_max. */
    Duration backoff(int attempts) {
        Duration wait = settings.retryInitial;
        for (int i = 1; i < attempts && wait.compareTo(settings.retryMax) < 0; i++) wait = wait.multipliedBy(2);
        return wait.compareTo(settings.retryMax) > 0 ? settings.retryMax : wait;
    }

    /** True for the one attempt on the schedule that first falls after delay_warning: warn once. */
    private boolean warnNow(int attempts) {
        if (settings.delayWarning.isZero()) return false;
        Duration before = Duration.ZERO;
        for (int i = 1; i < attempts; i++) before = before.plus(backoff(i));
        return before.plus(backoff(attempts)).compareTo(settings.delayWarning) >= 0 && before.compareTo(settings.delayWarning) < 0;
    }

    private void notifySender(Queue.Entry entry, Dsn.Action action, List<Dsn.Report> reports) {
        if (reports.isEmpty()) return;
        try (BlobStore.Writer blob = storage.blobs().create(); InputStream original = storage.blobs().open(entry.blobId())) {
            blob.stream().write(("Return-Path: <>\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Dsn.write(blob.stream(), hostname, entry, action, reports, entry.createdAt().plus(settings.giveUpAfter), original);
            String blobId = blob.commit();
            long id = storage.queue().enqueue(Queue.Envelope.of("", List.of(entry.sender())), blobId, Instant.now());
            log.info("queue {}: {} notice to <{}> queued as {}", entry.id(), action.name().toLowerCase(java.util.Locale.ROOT), entry.sender(), id);
            wake();
        } catch (IOException e) {
            log.error("queue {}: could not write a {} notice: {}", entry.id(), action, e.getMessage());
        }
    }

    private static String describe(Reply reply) {
        return reply.code() + (reply.enhanced() != null ? " " + reply.enhanced() : "") + " " + String.join(" ", reply.lines());
    }

    private static String domain(String address) {
        return address.substring(address.lastIndexOf('@') + 1);
    }

    @Override
    public void close() {
        running = false;
        if (loop != null) loop.interrupt();
    }
}
