package mailroom.transfer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Without a terminal: a line at each interval while running, then the summary with every failure and its reason. */
class ProgressTest {
    @Test
    void linesWhileRunningAndASummaryAtTheEnd() throws Exception {
        var buffer = new ByteArrayOutputStream();
        var out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        var progress = Progress.lines("import maildir", out, Duration.ofMillis(100));
        progress.expect(4);
        progress.copied(2_000_000);
        progress.skipped(1);
        progress.failed(new Problem("Lists/foo", "1733000000.M1P2.host", "not a mail message"));
        progress.note("Sent: already held mail, so its messages get new UIDs");
        Thread.sleep(350);
        String lines = buffer.toString(StandardCharsets.UTF_8);
        assertThat(lines.lines().filter(l -> l.startsWith("import maildir: 3/4 messages (1 copied, 1 skipped, 1 failed), 2.0 MB")))
                .as(lines).hasSizeBetween(2, 4);
        assertThat(lines).contains("ETA 0:00:");

        Summary summary = progress.finish();
        assertThat(summary.exitCode()).isEqualTo(1);
        assertThat(progress.snapshot().finished()).isTrue();
        buffer.reset();
        summary.print(out);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).startsWith("""
                import maildir: failed: Lists/foo: 1733000000.M1P2.host: not a mail message
                import maildir: note: Sent: already held mail, so its messages get new UIDs
                import maildir: 1 copied, 1 skipped, 1 failed; 2.0 MB in""");
        Thread.sleep(250);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).as("no line after the end").doesNotContain("messages (");
        assertThat(Progress.silent("x").finish().exitCode()).isZero();
    }
}
