package mailroom.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A copy of examples/cluster (the script and the nodes' configs) in a test's directory, driven the
 * way an operator drives it. Its var/ (logs, etcd, PostgreSQL under Patroni, backups) lives in the
 * copy; the script's output goes to script.log there.
 */
final class ExampleCluster {
    /** Every member of the database side, as the nodes reach it: whichever member is the primary. */
    static final String DATABASE_URL = "jdbc:postgresql://127.0.4.1:5432,127.0.4.2:5432/mailroom?targetServerType=primary";
    static final String DATABASE_USER = "mailroom", DATABASE_PASSWORD = "mailroom";

    final Path dir;

    private ExampleCluster(Path dir) {
        this.dir = dir;
    }

    /** Copies the example into {@code parent}/cluster. */
    static ExampleCluster copyInto(Path parent) throws IOException {
        // As root the script runs PostgreSQL as the postgres user, which must reach the data under
        // the copy: a JUnit temporary directory is open to its owner alone.
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cluster = parent.resolve("cluster");
        Files.createDirectories(cluster);
        try (var files = Files.list(Path.of("..", "examples", "cluster"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isDirectory(f)) continue;
                Path copy = cluster.resolve(f.getFileName());
                Files.copy(f, copy);
                copy.toFile().setExecutable(Files.isExecutable(f));
            }
        }
        return new ExampleCluster(cluster);
    }

    /**
     * Runs the copied script with Mailroom's Main class from this test's class path, waits at most
     * {@code seconds} for it, and returns the finished process.
     */
    Process run(int seconds, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(dir.resolve("cluster").toString()));
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("script.log").toFile()));
        builder.environment().put("MAILROOM", Path.of(System.getProperty("java.home"), "bin", "java") + " -Xmx256m --enable-native-access=ALL-UNNAMED -cp "
                + System.getProperty("java.class.path") + " " + Main.class.getName());
        var process = builder.start();
        boolean finished = process.waitFor(seconds, TimeUnit.SECONDS);
        if (!finished) process.destroyForcibly();
        assertThat(finished).as("cluster %s within %d s; %s", String.join(" ", args), seconds, log()).isTrue();
        return process;
    }

    Process run(String... args) throws Exception {
        return run(120, args);
    }

    /** Runs the script and expects it to succeed. */
    void ok(int seconds, String... args) throws Exception {
        assertThat(run(seconds, args).exitValue()).as("cluster %s; %s", String.join(" ", args), log()).isZero();
    }

    void ok(String... args) throws Exception {
        ok(120, args);
    }

    /** The end of the script's output, for failure messages. */
    String log() throws IOException {
        var lines = Files.readAllLines(dir.resolve("script.log"));
        return "script.log ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
