package mailroom.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs `mailroom ...` (the Main class) in a child JVM, as an operator would from a shell. */
final class ChildProcess {
    record Result(int exitCode, String out, String err) {}

    private ChildProcess() {}

    static ProcessBuilder builder(Path workDir, String... args) {
        return builder(workDir, List.of(), args);
    }

    /** The same with options for the child's JVM. */
    static ProcessBuilder builder(Path workDir, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(workDir.toFile());
    }

    /** Runs to completion with {@code stdin} as input. */
    static Result run(Path workDir, String stdin, String... args) throws IOException, InterruptedException {
        return runWithJvmOptions(workDir, List.of(), stdin, args);
    }

    /** The same with options for the child's JVM. */
    static Result runWithJvmOptions(Path workDir, List<String> jvmOptions, String stdin, String... args) throws IOException, InterruptedException {
        var process = builder(workDir, jvmOptions, args).start();
        try (var in = process.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        var out = process.getInputStream().readAllBytes();
        var err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("mailroom " + String.join(" ", args) + " did not finish");
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /**
     * A port nothing listens on, for a test that must name its ports before it starts what listens
     * there. It is taken below Linux's ephemeral range (32768 and up): a port the kernel handed out
     * for a bind to port 0 would be free again once probed, and the next bind to port 0 (another
     * listener of the same node, say) could be given it before the test uses it. Each port is handed
     * out once per JVM, from a random start so that parallel builds rarely meet.
     */
    static int freePort() throws IOException {
        while (true) {
            int port = LOW_PORTS + Math.floorMod(nextPort.getAndIncrement(), 32768 - LOW_PORTS);
            try (var s = new ServerSocket(port)) { // every address: free on whichever loopback the test uses
                return s.getLocalPort();
            } catch (java.net.BindException taken) {
                // in use: try the next
            }
        }
    }

    private static final int LOW_PORTS = 20000;
    private static final java.util.concurrent.atomic.AtomicInteger nextPort =
            new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(32768 - LOW_PORTS));
}
