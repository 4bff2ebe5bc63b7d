package mailroom.transfer;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress of one long operation, shared by every command: on a terminal a live bar (messages,
 * bytes, rate, ETA), elsewhere one line every few seconds, and at the end a {@link Summary}. Every
 * method is safe to call from many threads; {@link #snapshot()} is what the admin API shows.
 */
public final class Progress implements AutoCloseable {
    /** Where a running operation stands. {@code total} is -1 while unknown. */
    public record Snapshot(String task, long done, long total, long copied, long skipped, long failed, long bytes, double messagesPerSecond,
                           double megabytesPerSecond, boolean finished) {}

    private static final Duration LINE_EVERY = Duration.ofSeconds(5);
    private final Duration lineEvery;

    private final String task;
    private final long started = System.nanoTime();
    private final AtomicLong copied = new AtomicLong(), skipped = new AtomicLong(), failed = new AtomicLong(), bytes = new AtomicLong();
    private final AtomicLong total = new AtomicLong(-1);
    private final List<Problem> problems = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final PrintStream out;
    private final ProgressBar bar;
    private final Thread liner;
    private volatile Summary summary;

    private Progress(String task, PrintStream out, boolean terminal, Duration lineEvery) {
        this.task = task;
        this.out = out;
        this.lineEvery = lineEvery;
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(-1).setUnit(" msg", 1).showSpeed()
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250).continuousUpdate()
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
            liner = null;
        } else {
            bar = null;
            liner = out == null ? null : Thread.ofVirtual().name("progress-" + task).start(this::printLines);
        }
    }

    /** A bar when {@code out} is a terminal ({@code System.console() != null}), else periodic lines; {@code out} null prints nothing. */
    public static Progress start(String task, PrintStream out, boolean terminal) {
        return new Progress(task, out, terminal && out != null, LINE_EVERY);
    }

    /** Lines to {@code out} at the given interval (tests; and callers who want them more or less often). */
    public static Progress lines(String task, PrintStream out, Duration every) {
        return new Progress(task, out, false, every);
    }

    /** For callers with no one watching but the admin API. */
    public static Progress silent(String task) {
        return new Progress(task, null, false, LINE_EVERY);
    }

    public String task() {
        return task;
    }

    /** Adds to the number of messages expected (sources learn their size as they go). */
    public void expect(long messages) {
        long now = total.accumulateAndGet(messages, (t, m) -> Math.max(t, 0) + m);
        if (bar != null) bar.maxHint(now);
    }

    public void copied(long size) {
        copied.incrementAndGet();
        bytes.addAndGet(size);
        step();
    }

    public void skipped(long count) {
        skipped.addAndGet(count);
        for (long i = 0; i < count; i++) step();
    }

    public void failed(Problem problem) {
        failed.incrementAndGet();
        problems.add(problem);
        step();
    }

    /** Something worth telling that is not a failure (e.g. a folder whose UIDs could not be kept). */
    public void note(String note) {
        notes.add(note);
    }

    private void step() {
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(String.format(" %.1f MB, %.1f MB/s", bytes.get() / 1e6, rateMb()));
        }
    }

    private double seconds() {
        return Math.max((System.nanoTime() - started) / 1e9, 1e-3);
    }

    private double rateMb() {
        return bytes.get() / 1e6 / seconds();
    }

    public Snapshot snapshot() {
        long done = copied.get() + skipped.get() + failed.get();
        return new Snapshot(task, done, total.get(), copied.get(), skipped.get(), failed.get(), bytes.get(), copied.get() / seconds(), rateMb(), summary != null);
    }

    private void printLines() {
        try {
            while (summary == null) {
                Thread.sleep(lineEvery);
                if (summary == null) out.println(line());
            }
        } catch (InterruptedException e) {
            // finished
        }
    }

    private String line() {
        var s = snapshot();
        String eta = "";
        if (s.total() > 0 && s.done() > 0 && s.done() < s.total()) {
            long secs = (long) ((s.total() - s.done()) * seconds() / s.done());
            eta = String.format(", ETA %d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60);
        }
        return String.format("%s: %d%s messages (%d copied, %d skipped, %d failed), %.1f MB, %.0f messages/s, %.1f MB/s%s", task, s.done(),
                s.total() >= 0 ? "/" + s.total() : "", s.copied(), s.skipped(), s.failed(), s.bytes() / 1e6, s.messagesPerSecond(), s.megabytesPerSecond(), eta);
    }

    /** Stops the bar or the lines and returns the summary (the same one on every call). */
    public synchronized Summary finish() {
        if (summary != null) return summary;
        var took = Duration.ofNanos(System.nanoTime() - started);
        if (bar != null) bar.close();
        summary = new Summary(task, copied.get(), skipped.get(), failed.get(), bytes.get(), took, new ArrayList<>(problems), new ArrayList<>(notes));
        if (liner != null) liner.interrupt();
        return summary;
    }

    @Override
    public void close() {
        finish();
    }
}
