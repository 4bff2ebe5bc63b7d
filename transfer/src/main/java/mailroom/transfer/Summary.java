package mailroom.transfer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/** How a long operation ended: what it copied, passed over and could not copy (with the reasons), and its rate. */
public record Summary(String task, long copied, long skipped, long failed, long bytes, Duration took, List<Problem> problems, List<String> notes) {

    /** Non-zero when anything failed, so scripts notice. */
    public int exitCode() {
        return failed > 0 ? 1 : 0;
    }

    public double messagesPerSecond() {
        return copied / Math.max(took.toNanos() / 1e9, 1e-3);
    }

    public double megabytesPerSecond() {
        return bytes / 1e6 / Math.max(took.toNanos() / 1e9, 1e-3);
    }

    public void print(PrintStream out) {
        for (Problem p : problems) out.println(task + ": failed: " + p);
        for (String note : notes) out.println(task + ": note: " + note);
        out.printf("%s: %d copied, %d skipped, %d failed; %.1f MB in %.1f s (%.0f messages/s, %.1f MB/s)%n", task, copied, skipped, failed,
                bytes / 1e6, took.toMillis() / 1000.0, messagesPerSecond(), megabytesPerSecond());
    }
}
