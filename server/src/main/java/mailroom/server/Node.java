package mailroom.server;

import mailroom.admin.AdminServer;
import mailroom.core.auth.Passwords;
import mailroom.core.config.Config;
import mailroom.core.metrics.Meters;
import mailroom.core.security.Security;
import mailroom.core.net.HostPort;
import mailroom.core.net.TlsContexts;
import mailroom.directory.Director;
import mailroom.directory.DnsPush;
import mailroom.directory.Heartbeat;
import mailroom.directory.StoreLocator;
import mailroom.directory.Zone;
import mailroom.imap.ImapServer;
import mailroom.jmap.JmapServer;
import mailroom.sieve.manage.ManageSieveServer;
import mailroom.pop3.Pop3Server;
import mailroom.smtp.Dkim;
import mailroom.smtp.LocalDelivery;
import mailroom.smtp.SmtpServer;
import mailroom.smtp.Sorter;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** One running node: its storage, and a listener per protocol of the roles it runs. */
public final class Node implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final Storage storage;
    private final FileLock lock;
    /** Message bytes that lost their last reference are kept this long before they are deleted. */
    private static final Duration BLOB_GRACE = Duration.ofHours(1);

    private final List<Closeable> servers = new ArrayList<>();
    private Heartbeat heartbeat;
    private Director director;
    private AdminServer admin;
    private final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("maintenance").daemon().factory());
    private Sorter sorter;
    private SmtpServer smtp, submission, submissions, lmtp;
    private Pop3Server pop3;
    private ImapServer imap;
    private ManageSieveServer manageSieve;
    private JmapServer jmap;
    private FutureTask<JmapServer> jmapStarting;
    private FutureTask<AdminServer> adminStarting;

    /** Opens the data directory, makes the first account on a fresh one, and starts the listeners. */
    public Node(Config config, PrintStream console) throws IOException {
        if (config.node.roles.contains("admin")) mailroom.admin.Prometheus.install(); // before any meter is made
        Files.createDirectories(config.node.dataDir);
        var lockChannel = FileChannel.open(config.node.dataDir.resolve("node.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        this.lock = lockChannel.tryLock();
        if (lock == null) throw new StartupException("another Mailroom node is already using " + config.node.dataDir.toAbsolutePath());
        // The TLS material loads while the database opens: the two are independent and both take a while.
        var tlsLoading = starting("tls-load", () -> TlsContexts.load(config.tls.certFile, config.tls.keyFile, config.node.dataDir, config.hostname(), config.node.bind));
        this.storage = Backends.open(config);
        try {
            var router = new StoreLocator(storage.directory(), config.node.name, config.director.nodeTimeout, Clock.systemUTC());
            var security = new Security(config.security, storage.loginFailures(), router::fromNode, Clock.systemUTC());
            Meters.blockedAddresses(blockedCount(security));
            var accounts = new Accounts(storage, config.mail.domain, security);
            firstStart(accounts, config, console);
            SSLContext tls = await(tlsLoading);
            if (config.node.roles.contains("sorter")) {
                sorter = new Sorter(config, storage, accounts, config.node.name, router);
                smtp = bind(() -> SmtpServer.mx(config, tls, sorter), config.node.bind, config.smtp.port);
                servers.add(smtp);
                submission = bind(() -> SmtpServer.submission(config, tls, sorter, false), config.node.bind, config.submission.port);
                servers.add(submission);
                submissions = bind(() -> SmtpServer.submission(config, tls, sorter, true), config.node.bind, config.submission.tlsPort);
                servers.add(submissions);
                sorter.start();
            }
            if (config.node.roles.contains("store")) {
                lmtp = bind(() -> SmtpServer.lmtp(config, tls, new LocalDelivery(storage, accounts, config), router), config.node.bind, config.lmtp.port);
                servers.add(lmtp);
                pop3 = bind(() -> new Pop3Server(config, tls, storage, accounts, router), config.node.bind, config.pop3.port + "/" + config.pop3.tlsPort);
                servers.add(pop3);
                imap = bind(() -> new ImapServer(config, tls, storage, accounts, router), config.node.bind, config.imap.port + "/" + config.imap.tlsPort);
                servers.add(imap);
                manageSieve = bind(() -> new ManageSieveServer(config, tls, storage, accounts, router), config.node.bind, config.sieve.port);
                servers.add(manageSieve);
            }
            // The HTTP servers (JMAP, the admin API) start once the mail listeners accept, on threads
            // of their own while the director starts: Jetty's start was the longest single part of a
            // node's (122 of 345 ms in a wall-clock profile), and started beside the listeners its
            // 200 ms of CPU held them back on a two-core machine.
            if (config.node.roles.contains("store")) jmapStarting = starting("jmap-start", () -> startJmap(config, tls, storage, accounts));
            if (config.node.roles.contains("admin")) adminStarting = starting("admin-start", () -> startAdmin(config, storage, accounts, tls));
            heartbeat = new Heartbeat(storage.directory(), config.node.name, Set.copyOf(config.node.roles), config.advertisedAddress(),
                    config.director.heartbeat, Clock.systemUTC());
            if (config.node.roles.contains("director")) director = bind(() -> startDirector(config, storage), config.node.bind, config.director.dnsPort);
            if (jmapStarting != null) {
                jmap = await(jmapStarting);
                servers.add(jmap);
            }
            if (adminStarting != null) admin = await(adminStarting);
            maintenance.scheduleWithFixedDelay(this::collectBlobs, 1, 10, TimeUnit.MINUTES);
            maintenance.scheduleWithFixedDelay(() -> forgetDeliveryKeys(config), 1, 60, TimeUnit.MINUTES);
            // Off the start path: a store catches the full-text index up with mail stored before it.
            if (config.node.roles.contains("store")) maintenance.scheduleWithFixedDelay(this::indexTextBacklog, 2, 60, TimeUnit.SECONDS);
            log.info("node {} ready: {} as {}, data in {}", config.node.name, config.node.roles, config.hostname(), config.node.dataDir.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A part of the start that runs on a thread of its own; {@link #await} takes its result. */
    private static <T> FutureTask<T> starting(String name, Callable<T> start) {
        var task = new FutureTask<>(start);
        Thread.ofVirtual().name(name).start(task);
        return task;
    }

    /** The blocked networks for /metrics, read from the database at most every five seconds however often it is scraped. */
    private static java.util.function.Supplier<Integer> blockedCount(Security security) {
        var last = new java.util.concurrent.atomic.AtomicReference<Map.Entry<Instant, Integer>>(Map.entry(Instant.EPOCH, 0));
        return () -> {
            var seen = last.get();
            if (Duration.between(seen.getKey(), Instant.now()).toSeconds() < 5) return seen.getValue();
            try {
                int n = security.logins().blocks().size();
                last.set(Map.entry(Instant.now(), n));
                return n;
            } catch (RuntimeException e) {
                return seen.getValue(); // the database is away; the last count stands
            }
        };
    }

    private static AdminServer startAdmin(Config config, Storage storage, Accounts accounts, SSLContext tls) {
        try {
            return new AdminServer(config, storage, accounts, tls);
        } catch (RuntimeException e) { // Jetty reports a taken port as a wrapped BindException
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) throw new StartupException("cannot listen on " + config.node.bind + " port " + config.admin.port + ": " + t.getMessage());
            }
            throw e;
        }
    }

    private static JmapServer startJmap(Config config, SSLContext tls, Storage storage, Accounts accounts) {
        try {
            return new JmapServer(config, tls, storage, accounts);
        } catch (RuntimeException e) { // Jetty reports a taken port as a wrapped BindException
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) throw new StartupException("cannot listen on " + config.node.bind + " port " + config.jmap.port + ": " + t.getMessage());
            }
            throw e;
        }
    }

    /** Whether this node's director leads the cluster now (false on a node without the director role). */
    public boolean leading() {
        return director != null && director.leading();
    }

    /** The admin HTTP port (when this node runs the admin role). */
    public int adminPort() {
        return admin.port();
    }

    /**
     * The director: DNS for the zone, failover, and the optional push to an outside DNS server. Its
     * probes need the ports every node shares; a node on ephemeral ports (tests) is judged by
     * heartbeats alone.
     */
    private static Director startDirector(Config config, Storage storage) throws IOException {
        var bindAddress = InetAddress.getByName(config.node.bind);
        var director = config.imap.port > 0 && config.smtp.port > 0
                ? Director.probing(zoneSettings(config), storage, Dkim::dnsRecord, bindAddress, config.director.dnsPort, config.smtp.port,
                        config.director.nodeTimeout.dividedBy(2), Clock.systemUTC()) // each probe is a session in the node's log: not too often
                : new Director(zoneSettings(config), storage, Dkim::dnsRecord, bindAddress, config.director.dnsPort, Clock.systemUTC());
        if (!config.director.pushServer.isBlank()) {
            var server = HostPort.parse(config.director.pushServer, 53).orElseThrow();
            director.pushTo(new DnsPush(new DnsPush.Target(server.host(), server.port(),
                    config.director.pushKeyName, config.director.pushKeyAlgorithm, config.director.pushKeySecret)));
        }
        return director;
    }

    private static Zone.Settings zoneSettings(Config config) {
        var ports = new Zone.Ports(config.imap.port, config.imap.tlsPort, config.pop3.port, config.pop3.tlsPort,
                config.submission.port, config.submission.tlsPort, config.sieve.port, config.jmap.port);
        return new Zone.Settings(config.zone(), config.director.ttl, config.director.outboxTtl, config.director.nodeTimeout, config.director.dmarc, ports);
    }

    /** What a start-up task made, its failure thrown here as the task threw it. */
    private static <T> T await(Future<T> task) throws IOException {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        }
    }

    private interface Opener<T> {
        T open() throws IOException;
    }

    private static <T> T bind(Opener<T> opener, String address, Object port) throws IOException {
        try {
            return opener.open();
        } catch (BindException e) {
            throw new StartupException("cannot listen on " + address + " port " + port + ": " + e.getMessage());
        }
    }

    /**
     * The configured domain must exist and have a postmaster (RFC 5321 section 4.5.1); on a fresh data
     * directory this makes both and shows the password once.
     */
    private static void firstStart(Accounts accounts, Config config, PrintStream console) {
        String domain = config.mail.domain;
        accounts.addDomain(domain);
        if (accounts.find("postmaster@" + domain).isPresent()) return;
        String password = Passwords.random();
        try {
            var postmaster = accounts.create("postmaster@" + domain, password);
            accounts.storage().directory().setAdmin(postmaster.id(), true); // so someone can use the console from the start
        } catch (mailroom.storage.Directory.AlreadyExists e) {
            return; // another node of the cluster, starting at the same time, made it first
        }
        console.println();
        console.println("  First start: created postmaster@" + domain + " with password " + password);
        console.println("  It is shown only this once; change it with: ./mailroom user passwd postmaster@" + domain);
        console.println("  postmaster is an administrator: it logs in to the admin API (HTTP port " + config.admin.port + ")");
        console.println();
    }

    private void collectBlobs() {
        try {
            int deleted = storage.mail().collectBlobs(Instant.now().minus(BLOB_GRACE));
            if (deleted > 0) log.info("deleted {} message files no longer referenced", deleted);
        } catch (RuntimeException e) {
            log.warn("collecting unreferenced message files failed: {}", e.getMessage());
        }
    }

    /**
     * Indexes, batch by batch, the text of messages the full-text index does not hold yet: those
     * stored before it existed, or whose bytes delivery could not read. SEARCH checks them itself
     * meanwhile, so this only makes it faster.
     */
    private void indexTextBacklog() {
        try {
            long total = 0;
            int n;
            while (!Thread.currentThread().isInterrupted() && (n = storage.mail().indexTextBacklog(200)) > 0) {
                total += n;
                if (total % 10_000 < n) log.info("full-text index: caught up {} stored messages so far", total);
            }
            if (total > 0) log.info("full-text index: caught up {} stored messages", total);
        } catch (RuntimeException e) {
            log.warn("catching the full-text index up failed: {}", e.getMessage());
        }
    }

    /** Once-keys only need to outlive the longest a queue entry can be retried. */
    private void forgetDeliveryKeys(Config config) {
        try {
            storage.mail().forgetDeliveryKeys(Instant.now().minus(config.queue.giveUpAfter).minus(config.queue.lease).minus(Duration.ofDays(1)));
        } catch (RuntimeException e) {
            log.warn("forgetting old delivery keys failed: {}", e.getMessage());
        }
    }

    public Storage storage() {
        return storage;
    }

    public int smtpPort() {
        return smtp.port();
    }

    public int submissionPort() {
        return submission.port();
    }

    public int submissionTlsPort() {
        return submissions.port();
    }

    public int lmtpPort() {
        return lmtp.port();
    }

    public int pop3Port() {
        return pop3.port();
    }

    public int imapPort() {
        return imap.port();
    }

    public int imapTlsPort() {
        return imap.tlsPort();
    }

    public int manageSievePort() {
        return manageSieve.port();
    }

    public int jmapPort() {
        return jmap.port();
    }

    public int pop3TlsPort() {
        return pop3.tlsPort();
    }

    /** The director's DNS port (when this node directs). */
    public int dnsPort() {
        return director.dnsPort();
    }

    @Override
    public void close() {
        maintenance.shutdownNow();
        // A start that failed may leave an HTTP server starting on its own thread: it is closed once started.
        if (jmap == null && jmapStarting != null) closeWhenStarted(jmapStarting);
        if (admin == null && adminStarting != null) closeWhenStarted(adminStarting);
        if (admin != null) admin.close();
        if (director != null) director.close();
        if (heartbeat != null) heartbeat.close();
        for (Closeable server : servers) {
            try {
                server.close();
            } catch (IOException e) {
                log.warn("closing {}: {}", server, e.getMessage());
            }
        }
        if (sorter != null) sorter.close();
        if (storage != null) storage.close();
        try {
            if (lock != null) {
                lock.release();
                lock.channel().close();
            }
        } catch (IOException ignored) {
            // the process is ending anyway
        }
    }

    private static void closeWhenStarted(Future<? extends Closeable> starting) {
        try {
            starting.get().close();
        } catch (ExecutionException | IOException e) {
            // it did not start, or closing it failed: nothing more to stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A start-up failure that is the operator's to fix, reported as one line. */
    public static final class StartupException extends RuntimeException {
        public StartupException(String message) {
            super(message);
        }
    }
}
