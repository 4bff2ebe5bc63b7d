package mailroom.directory;

import mailroom.storage.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/** Every node, whatever its roles, tells the directory at a steady pace that it is alive and where. */
public final class Heartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
    private final Thread thread;

    public Heartbeat(Directory directory, String name, Set<String> roles, String address, Duration every, Clock clock) {
        directory.heartbeat(name, roles, address, clock.instant()); // at once, so the node is known before it serves
        this.thread = Thread.ofPlatform().daemon().name("heartbeat").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(every);
                    directory.heartbeat(name, roles, address, clock.instant());
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("heartbeat failed: {}", e.getMessage());
                }
            }
        });
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
