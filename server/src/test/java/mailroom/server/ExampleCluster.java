package mailroom.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A copy of examples/cluster in a test's directory, driven through its own script, so tests start,
 * kill and restart the members (etcd, Patroni and PostgreSQL, Mailroom nodes) exactly as an
 * operator would. Mailroom runs from this test's class path rather than a built jar.
 */
final class ExampleCluster {
    /** The database as every node of the example reaches it. */
    static final String URL = "jdbc:postgresql://127.0.4.1:5432,127.0.4.2:5432/mailroom?targetServerType=primary";
    static final String USER = "mailroom", PASSWORD = "mailroom";

    final Path dir;

    private ExampleCluster(Path dir) {
        this.dir = dir;
    }

    /** Copies the example's script and node configurations into {@code dir}/cluster. */
    static ExampleCluster copyInto(Path parent) throws IOException {
        Path dir = parent.resolve("cluster");
        Files.createDirectories(dir);
        // The database side runs as the postgres user when the tests run as root: it must reach the copy.
        for (Path p = dir; p != null && p.startsWith(parent); p = p.getParent()) p.toFile().setExecutable(true, false);
        try (var files = Files.list(Path.of("..", "examples", "cluster"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isDirectory(f)) continue;
                Path copy = dir.resolve(f.getFileName());
                Files.copy(f, copy);
                copy.toFile().setExecutable(Files.isExecutable(f));
            }
        }
        return new ExampleCluster(dir);
    }

    /** Runs the script with these arguments; returns its exit code, with its output in script.log. */
    int run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(dir.resolve("cluster").toString()));
        command.addAll(List.of(args));
        Path log = dir.resolve("script.log");
        var builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("MAILROOM", Path.of(System.getProperty("java.home"), "bin", "java") + " -Xmx256m --enable-native-access=ALL-UNNAMED -cp "
                + System.getProperty("java.class.path") + " " + Main.class.getName());
        var process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("cluster " + String.join(" ", args) + " did not finish");
        }
        return process.exitValue();
    }

    /** Like {@link #run}, but a failure is an exception carrying the script's log. */
    void must(String... args) throws IOException, InterruptedException {
        int exit = run(args);
        if (exit != 0) throw new IOException("cluster " + String.join(" ", args) + " exited " + exit + ":\n" + log());
    }

    String log() throws IOException {
        Path log = dir.resolve("script.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
