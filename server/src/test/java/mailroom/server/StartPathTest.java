package mailroom.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the launcher and a start rely on, each in a fresh JVM as an operator runs them: the training
 * run that the ahead-of-time cache records, and sqlite-jdbc's library kept in the data directory.
 */
class StartPathTest {
    @TempDir
    Path dir;

    @Test
    void theAotTrainingRunDrivesEveryProtocolOfARealNodeAndEndsCleanly() throws Exception {
        var result = ChildProcess.run(dir, null, "serve", "--aot-training=2", "--aot-training-address=127.0.19.3");

        assertThat(result.exitCode()).as(result.err()).isZero();
        // Every answer is checked: a session that met a NO or BAD would have failed the run.
        assertThat(result.err()).containsPattern("AOT training ran [1-9]\\d* SMTP, [1-9]\\d* IMAP and [1-9]\\d* POP3 sessions");
        assertThat(result.err()).doesNotContain("Exception");
        assertThat(dir.resolve("var")).doesNotExist(); // a scratch directory, not the default data directory
    }

    @Test
    void serveParsesItsOwnOptionsAndNamesItselfInItsUsage() throws Exception {
        var unknown = ChildProcess.run(dir, null, "serve", "--no-such-option");

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--no-such-option'", "Usage: mailroom serve", "--config=FILE");
        var missingFile = ChildProcess.run(dir, null, "serve", "-c", "missing.toml");
        assertThat(missingFile.exitCode()).isEqualTo(2);
        assertThat(missingFile.err()).startsWith("mailroom: config error: ").hasLineCount(1);
    }

    @Test
    void serveWithOnlyItsOwnOptionsStartsWithoutLoadingPicocli() throws Exception {
        // picocli's classes cannot be in the ahead-of-time cache; loading them cold was a third of a start.
        Path classes = dir.resolve("classes.log");
        var result = ChildProcess.runWithJvmOptions(dir, List.of("-Xlog:class+load=info:file=" + classes), null, "serve", "--config=missing.toml");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("mailroom: config error: ").contains("missing.toml").hasLineCount(1);
        assertThat(Files.readString(classes)).contains("mailroom.server.Main").doesNotContain("picocli.");
        // The same options written otherwise, and a repeated one, still reach picocli's checks.
        var repeated = ChildProcess.run(dir, null, "serve", "-c", "a.toml", "--config", "b.toml");
        assertThat(repeated.exitCode()).isEqualTo(2);
        assertThat(repeated.err()).contains("should be specified only once");
        var help = ChildProcess.run(dir, null, "serve", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: mailroom serve");
    }

    @Test
    void theSqliteLibraryIsCopiedToTheDataDirectoryOnceAndLoadedFromThereAfterwards() throws Exception {
        assertThat(ChildProcess.run(dir, "a@example.test first-password\n", "user", "import", "-").exitCode()).isZero();
        List<Path> copied = libraries();
        assertThat(copied).singleElement().satisfies(lib -> assertThat(lib.getFileName().toString()).matches("libsqlitejdbc-[0-9.]+-\\w+\\.so"));
        long size = Files.size(copied.getFirst());
        var modified = Files.getLastModifiedTime(copied.getFirst());

        var second = ChildProcess.run(dir, null, "user", "list");

        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("a@example.test");
        assertThat(libraries()).containsExactlyElementsOf(copied);
        assertThat(Files.size(copied.getFirst())).isEqualTo(size);
        assertThat(Files.getLastModifiedTime(copied.getFirst())).isEqualTo(modified); // loaded, not copied again
    }

    private List<Path> libraries() throws IOException {
        try (var files = Files.list(dir.resolve("var/lib"))) {
            return files.toList();
        }
    }
}
