package mailroom.directory;

import mailroom.storage.Routing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Active health checks beside the heartbeats: the director connects to each store's IMAP port and
 * each sorter's SMTP port and reads the greeting. A node that keeps writing heartbeats while its
 * service does not answer (a hung listener, a full accept queue, a wrong firewall rule) is taken
 * for dead all the same once it has failed for the node timeout.
 */
final class Probes {
    private static final Duration CONNECT = Duration.ofSeconds(2);

    private final int imapPort, smtpPort;
    private final Duration every, timeout;
    private final Clock clock;
    private final Map<String, Instant> lastAnswer = new ConcurrentHashMap<>();
    private final Map<String, Instant> firstProbed = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastStarted = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    /** Nodes whose heartbeats had stopped: when they resume, the node restarted and its probes start afresh. */
    private final Set<String> silent = ConcurrentHashMap.newKeySet();

    Probes(int imapPort, int smtpPort, Duration every, Duration timeout, Clock clock) {
        this.imapPort = imapPort;
        this.smtpPort = smtpPort;
        this.every = every;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Starts a probe of each node that is due one and has none running. */
    void probe(List<Routing.Node> nodes) {
        Instant now = clock.instant();
        for (var node : nodes) {
            if (!node.has("store") && !node.has("sorter")) continue;
            if (!node.aliveAt(now, timeout)) {
                silent.add(node.name());
                continue; // the heartbeats already say it is down
            }
            if (silent.remove(node.name())) { // back after a restart: judge the new process by its own probes
                lastAnswer.remove(node.name());
                firstProbed.remove(node.name());
                lastStarted.remove(node.name());
            }
            Instant last = lastStarted.get(node.name());
            if (last != null && now.isBefore(last.plus(every))) continue;
            if (!running.add(node.name())) continue;
            lastStarted.put(node.name(), now);
            firstProbed.putIfAbsent(node.name(), now);
            Thread.ofVirtual().name("probe-" + node.name()).start(() -> {
                try {
                    if (answers(node)) lastAnswer.put(node.name(), clock.instant());
                } finally {
                    running.remove(node.name());
                }
            });
        }
    }

    /** False once a store or sorter has not answered a probe for the node timeout. */
    boolean healthy(Routing.Node node, Instant now) {
        if (!node.has("store") && !node.has("sorter")) return true;
        Instant since = lastAnswer.getOrDefault(node.name(), firstProbed.get(node.name()));
        return since == null || !since.isBefore(now.minus(timeout));
    }

    private boolean answers(Routing.Node node) {
        boolean store = node.has("store");
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(node.address(), store ? imapPort : smtpPort), (int) CONNECT.toMillis());
            socket.setSoTimeout((int) CONNECT.toMillis());
            String greeting = firstLine(socket.getInputStream());
            return greeting.startsWith(store ? "* OK" : "220");
        } catch (IOException e) {
            return false;
        }
    }

    private static String firstLine(InputStream in) throws IOException {
        var line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\n' && line.length() < 512; ) line.append((char) b);
        return line.toString();
    }
}
