package mailroom.server;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's rspamd, started for a test with a generated configuration: one normal worker on a
 * loopback port of 127.0.12.1 (no controller, no proxy, no redis), its run and database directories
 * under its own temporary directory, and rules that give every action deterministically:
 * <ul>
 *   <li>rspamd's test patterns (GTUBE, {@link #GTUBE_REJECT}, {@link #GTUBE_REWRITE_SUBJECT});</li>
 *   <li>a Subject starting "spammy" scores 7 (TEST_SPAMMY), over the add-header threshold of 6;</li>
 *   <li>a Subject starting "soft-reject" or "greylist" forces that action.</li>
 * </ul>
 * Network checks find no DNS (a nameserver nobody answers on), so ordinary mail scores near 0.
 */
final class RspamdProcess implements AutoCloseable {
    static final String GTUBE_REJECT = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    static final String GTUBE_REWRITE_SUBJECT = "ZJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    static final String HOST = "127.0.12.1";

    private final Path dir;
    private final int port;
    private final Process process;
    private boolean closed;

    RspamdProcess() throws IOException, InterruptedException {
        port = ChildProcess.freePort();
        // Not under JUnit's @TempDir: rspamd drops root for _rspamd, which must reach its files.
        dir = Files.createTempDirectory("mailroom-rspamd", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("db"));
        Files.writeString(dir.resolve("spammy.map"), "/^spammy/\n");
        Files.writeString(dir.resolve("soft.map"), "/^soft-reject/\n");
        Files.writeString(dir.resolve("grey.map"), "/^greylist/\n");
        Files.writeString(dir.resolve("rspamd.conf"), """
                lua = "$RULESDIR/rspamd.lua";
                options {
                  pidfile = "$RUNDIR/rspamd.pid";
                  filters = "";
                  enable_test_patterns = true;
                  local_addrs = [];
                  dns { nameserver = ["%1$s:9"]; timeout = 0.2s; retransmits = 0; }
                }
                logging { type = "console"; level = "notice"; }
                actions { reject = 15; add_header = 6; }
                modules { path = "${PLUGINSDIR}"; }
                multimap {
                  TEST_SPAMMY { type = "header"; header = "Subject"; regexp = true; map = "%3$s/spammy.map"; score = 7; }
                  TEST_SOFT { type = "header"; header = "Subject"; regexp = true; map = "%3$s/soft.map"; action = "soft reject"; }
                  TEST_GREY { type = "header"; header = "Subject"; regexp = true; map = "%3$s/grey.map"; action = "greylist"; }
                }
                worker "normal" {
                  bind_socket = "%1$s:%2$d";
                  mime = true;
                  count = 1;
                }
                """.formatted(HOST, port, dir));
        List<String> command = new ArrayList<>(List.of("rspamd", "-f", "-c", dir.resolve("rspamd.conf").toString(),
                "--var=LOCAL_CONFDIR=" + dir, "--var=RUNDIR=" + dir.resolve("run"), "--var=DBDIR=" + dir.resolve("db")));
        if ("root".equals(System.getProperty("user.name"))) { // rspamd will not run as root: it drops to its own user
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            for (String sub : List.of("run", "db")) {
                Files.setOwner(dir.resolve(sub), users.lookupPrincipalByName("_rspamd"));
            }
            command.addAll(List.of("-u", "_rspamd", "-g", "_rspamd"));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("rspamd.log").toFile()).start();
        try {
            awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The normal worker's address, for [spam] rspamd_url. */
    String url() {
        return "http://" + HOST + ":" + port;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("rspamd.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Until the worker answers a scan; rspamd compiles its rules first (a few seconds). */
    private void awaitReady() throws IOException, InterruptedException {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) throw new IllegalStateException("rspamd exited with " + process.exitValue() + ":\n" + log());
            try {
                var response = http.send(HttpRequest.newBuilder(URI.create(url() + "/checkv2")).timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString("Subject: ping\r\n\r\nping\r\n")).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"action\"")) return;
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("rspamd did not answer within 60 s:\n" + log());
            Thread.sleep(200);
        }
    }

    /** Stops the main process and its workers (SIGTERM, then SIGKILL), and removes the directory. */
    @Override
    public void close() throws InterruptedException, IOException {
        if (closed) return;
        closed = true;
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle p : all) {
            if (p.isAlive()) p.destroyForcibly();
            p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join();
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }


    /** True while something accepts connections on the worker's port. */
    boolean listening() {
        try (var s = new Socket(HOST, port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
