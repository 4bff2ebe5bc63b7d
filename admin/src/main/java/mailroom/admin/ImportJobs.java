package mailroom.admin;

import mailroom.storage.Account;
import mailroom.storage.Storage;
import mailroom.transfer.Importer;
import mailroom.transfer.Progress;
import mailroom.transfer.Source;
import mailroom.transfer.Summary;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Imports started from the admin API: each runs on a virtual thread of its own while the caller
 * polls its progress by id (the console shows the running ones). The newest {@value #KEPT} are kept.
 */
final class ImportJobs {
    private static final int KEPT = 100;

    /** One import: whose, from where, how far, and how it ended. */
    static final class Job {
        final String id = UUID.randomUUID().toString();
        final String account;
        final String source;
        final Instant started = Instant.now();
        final Progress progress;
        volatile Summary summary;
        volatile String error;

        Job(String account, String source, Progress progress) {
            this.account = account;
            this.source = source;
            this.progress = progress;
        }

        String state() {
            return error != null ? "failed" : summary == null ? "running" : summary.failed() > 0 ? "finished with failures" : "finished";
        }

        Map<String, Object> describe() {
            var s = progress.snapshot();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("account", account);
            m.put("source", source);
            m.put("started", started.toString());
            m.put("state", state());
            m.put("total", s.total());
            m.put("done", s.done());
            m.put("copied", s.copied());
            m.put("skipped", s.skipped());
            m.put("failed", s.failed());
            m.put("bytes", s.bytes());
            m.put("messagesPerSecond", Math.round(s.messagesPerSecond() * 10) / 10.0);
            if (summary != null) {
                m.put("problems", summary.problems().stream().map(Object::toString).toList());
                m.put("notes", summary.notes());
            }
            if (error != null) m.put("error", error);
            return m;
        }
    }

    private final Storage storage;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    ImportJobs(Storage storage) {
        this.storage = storage;
    }

    /** Starts importing into the account; the source is opened on the job's thread. */
    Job start(Account account, String description, java.util.function.Function<Progress, Source> opener) {
        var job = new Job(account.address(), description, Progress.silent("import " + account.address()));
        forgetOld();
        jobs.put(job.id, job);
        Thread.ofVirtual().name("import-" + account.address()).start(() -> {
            try (Source source = opener.apply(job.progress)) {
                new Importer(storage, account, job.progress).run(source);
            } catch (Exception e) {
                job.error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            } finally {
                job.summary = job.progress.finish();
            }
        });
        return job;
    }

    Job get(String id) {
        return jobs.get(id);
    }

    List<Job> all() {
        return jobs.values().stream().sorted(java.util.Comparator.comparing((Job j) -> j.started).reversed()).toList();
    }

    private void forgetOld() {
        var finished = all().stream().filter(j -> j.summary != null).toList();
        for (int i = KEPT; i < finished.size(); i++) jobs.remove(finished.get(i).id);
    }
}
