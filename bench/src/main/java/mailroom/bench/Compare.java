package mailroom.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mailroom side by side with Postfix + Dovecot on the same machine, in one run: each workload is
 * run against both stacks in alternation (A B, then B A, ...) so that drift cancels, and reported
 * as medians with the ratio Mailroom / reference. Run by bench/compare, never by the tests.
 *
 * <pre>Compare WORK_DIR REPO ROUNDS IDLE_CONNECTIONS [SECTION,...]</pre>
 */
public final class Compare {
    /** One mail system under test: its stack script and its ports. */
    record Stack(String name, String script, int smtp, int imap, int pop3) {}

    /** A measured quantity: its unit, whether more is better, and the value of each round per stack. */
    static final class Metric {
        final String name, unit;
        final boolean higherIsBetter;
        final Map<String, List<Double>> values = new LinkedHashMap<>();

        Metric(String name, String unit, boolean higherIsBetter) {
            this.name = name;
            this.unit = unit;
            this.higherIsBetter = higherIsBetter;
        }

        void add(Stack stack, double value) {
            values.computeIfAbsent(stack.name(), k -> new ArrayList<>()).add(value);
            System.out.printf("  %-14s %-44s %12.1f %s%n", stack.name(), name, value, unit);
        }

        /** The median of the stack's rounds; NaN (shown as such in the report) when it was never measured. */
        double median(String stack) {
            List<Double> measured = values.get(stack);
            return measured == null ? Double.NaN : Compare.median(measured.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    /** The middle value, or the mean of the two middle ones for an even count. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static final String PASSWORD = "bench-password";
    /** The loopback address both stacks listen on (bench/stacks read the same variable). */
    static final String HOST = System.getenv().getOrDefault("BENCH_ADDRESS", "127.0.0.1");
    static final int INTAKE_MESSAGES = 2000, INTAKE_SESSIONS = 8, POP_MESSAGES = 5000, MIX_USERS = 16, MIX_MESSAGES = 100;
    static final int LATENCY_MESSAGES = 200, BIG_MAILBOX = 100_000, MANY_ACCOUNTS = 100_000;
    static final long MIX_SECONDS = 20;
    static final int IMAPTEST_USERS = 100, IMAPTEST_SECONDS = 20, STORED_MESSAGES = 20_000;

    final Path work, repo;
    final int rounds, idleConnections;
    final List<String> sections;
    final Stack mailroom = new Stack("Mailroom", "mailroom", 3025, 3143, 3110);
    final Stack reference = new Stack("Postfix+Dovecot", "reference", 5025, 5143, 5110);
    final List<Metric> metrics = new ArrayList<>();

    Compare(Path work, Path repo, int rounds, int idleConnections, List<String> sections) {
        this.sections = sections;
        this.work = work;
        this.repo = repo;
        this.rounds = rounds;
        this.idleConnections = idleConnections;
    }

    public static void main(String[] args) throws Exception {
        List<String> sections = args.length > 4 && !args[4].equals("all") ? List.of(args[4].split(",")) : SECTIONS;
        if (!SECTIONS.containsAll(sections)) throw new IllegalArgumentException("sections are " + SECTIONS + ", not " + sections);
        var compare = new Compare(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), sections);
        try {
            compare.run();
        } finally {
            compare.stack(compare.mailroom, "stop");
            compare.stack(compare.reference, "stop");
        }
    }

    Metric metric(String name, String unit, boolean higherIsBetter) {
        var m = new Metric(name, unit, higherIsBetter);
        metrics.add(m);
        return m;
    }

    /** The parts of the comparison; a run may name some of them (bench/compare's third argument). */
    static final List<String> SECTIONS = List.of("startup", "mail", "imaptest", "big", "idle", "directory");

    void run() throws Exception {
        Path imaptest = sections.contains("imaptest") ? ImapTest.binary() : null; // fails at once, saying how to get it
        Path mbox = work.resolve("imaptest.mbox");
        ImapTest.writeMbox(mbox);
        List<String> users = new ArrayList<>(List.of("latency", "pop", "idle", "big", "stored"));
        for (int r = 1; r <= rounds; r++) users.add("intake" + r);
        for (int i = 1; i <= MIX_USERS; i++) users.add("mix" + i);
        for (int i = 1; i <= IMAPTEST_USERS; i++) users.add("imaptest" + i);
        for (Stack s : List.of(mailroom, reference)) {
            List<String> command = new ArrayList<>(List.of(repo.resolve("bench/stacks/" + s.script()).toString(), "setup", work.toString()));
            command.addAll(users);
            exec(command);
        }
        // Plain passwords for Dovecot except where the first logins after a start are measured: it verifies
        // a hash at every login, and the other rows would measure that instead of the mail work.
        referencePasswords("plain");

        System.out.println("start-up");
        var startup = metric("start-up to accepting SMTP, IMAP and POP3", "ms", false);
        for (int r = 0; r < rounds; r++) {
            for (Stack s : order(r)) {
                startup.add(s, start(s));
                if (r < rounds - 1) stack(s, "stop");
            }
        }

        System.out.println("filling the mailboxes: " + STORED_MESSAGES + " messages in all");
        for (Stack s : List.of(mailroom, reference)) {
            smtpSource(s, "pop", POP_MESSAGES, 8);
            for (int i = 1; i <= MIX_USERS; i++) smtpSource(s, "mix" + i, MIX_MESSAGES, 2);
            if (sections.contains("startup")) smtpSource(s, "stored", STORED_MESSAGES - POP_MESSAGES - MIX_USERS * MIX_MESSAGES, 8);
            awaitCount(s, "pop", POP_MESSAGES);
            for (int i = 1; i <= MIX_USERS; i++) awaitCount(s, "mix" + i, MIX_MESSAGES);
            if (sections.contains("startup")) awaitCount(s, "stored", STORED_MESSAGES - POP_MESSAGES - MIX_USERS * MIX_MESSAGES);
        }

        if (sections.contains("startup")) {
            // A restart with the mail stored, then at once imaptest: what the first 20 s after a start deliver.
            // Here both stacks keep the accounts' passwords as the same kind of hash, Argon2id with Mailroom's
            // parameters (m=19456 KiB, t=2, p=1): Mailroom verifies it at an account's first login after a
            // start and then remembers the outcome; Dovecot 2.3 verifies it at every login. The first-logins
            // row is that first verification of 100 accounts. Dovecot's re-verification at each of imaptest's
            // logins is part of the Argon2id imaptest row, so the same window is measured again with Dovecot
            // reading plain passwords (Mailroom's figure there is its same run: it has only one way).
            System.out.println("start-up with the messages stored, and imaptest in the first " + IMAPTEST_SECONDS + " s after it"
                    + " (both stacks: Argon2id m=19456 KiB, t=2, p=1)");
            var startupStored = metric("start-up to accepting SMTP, IMAP and POP3, " + STORED_MESSAGES / 1000 + ",000 messages stored", "ms", false);
            var firstLogins = metric("first LOGIN of each of 100 accounts after a start, 16 clients (Argon2id both)", "ms", false);
            var cold = imaptest != null ? metric("imaptest default mix, 20 clients, first " + IMAPTEST_SECONDS + " s after start (Argon2id both)", "ops/s", true) : null;
            var coldPlain = imaptest != null ? metric("the same, Dovecot reading plain passwords", "ops/s", true) : null;
            referencePasswords("argon2id");
            for (int r = 0; r < rounds; r++) {
                for (Stack s : order(r)) {
                    stack(s, "stop");
                    startupStored.add(s, start(s));
                    firstLogins.add(s, loginEach(s, IMAPTEST_USERS));
                    if (cold == null) continue;
                    double rate = imaptest(imaptest, mbox, s, 20, ImapTest.DEFAULT_MIX);
                    cold.add(s, rate);
                    if (s == mailroom) {
                        coldPlain.add(s, rate);
                    } else {
                        referencePasswords("plain");
                        stack(s, "stop");
                        start(s);
                        loginEach(s, IMAPTEST_USERS);
                        coldPlain.add(s, imaptest(imaptest, mbox, s, 20, ImapTest.DEFAULT_MIX));
                        referencePasswords("argon2id");
                    }
                }
            }
            referencePasswords("plain");
        }

        if (sections.contains("mail")) mail();
        if (imaptest != null) {
            System.out.println("imaptest (warm: after " + IMAPTEST_SECONDS + " s unmeasured on each stack)");
            for (Stack s : List.of(mailroom, reference)) imaptest(imaptest, mbox, s, 20, ImapTest.DEFAULT_MIX);
            var warm20 = metric("imaptest default mix, 20 clients", "ops/s", true);
            var warm100 = metric("imaptest default mix, 100 clients", "ops/s", true);
            var search = metric("imaptest search-heavy mix, 20 clients", "ops/s", true);
            for (int r = 0; r < rounds; r++) {
                System.out.println("round " + (r + 1));
                for (Stack s : order(r)) warm20.add(s, imaptest(imaptest, mbox, s, 20, ImapTest.DEFAULT_MIX));
                for (Stack s : order(r)) warm100.add(s, imaptest(imaptest, mbox, s, 100, ImapTest.DEFAULT_MIX));
                for (Stack s : order(r)) search.add(s, imaptest(imaptest, mbox, s, 20, ImapTest.SEARCH_MIX));
            }
        }
        if (sections.contains("big")) bigMailbox();
        if (sections.contains("idle")) {
            System.out.println("IDLE connections");
            var idleMemory = metric("memory per IDLE connection (" + idleConnections + " connections, PSS)", "KB", false);
            for (Stack s : List.of(mailroom, reference)) idleMemory.add(s, idleMemory(s));
        }
        if (sections.contains("directory")) directoryScale();

        if (sections.containsAll(SECTIONS)) {
            Report.write(this, repo.resolve("docs"));
        } else { // a partial run leaves docs/ alone
            Path partial = Path.of(System.getProperty("java.io.tmpdir"), "mailroom-compare-partial");
            Report.write(this, partial);
            System.out.println(Files.readString(partial.resolve("benchmarks.md")).lines().takeWhile(l -> !l.startsWith("## Every round")).collect(java.util.stream.Collectors.joining("\n")));
        }
    }

    /** How the reference's setup accounts keep their password: "argon2id" (as Mailroom) or "plain". */
    void referencePasswords(String kind) throws IOException, InterruptedException {
        exec(List.of(repo.resolve("bench/stacks/reference").toString(), "passwords", work.toString(), kind));
    }

    /** Logs in once as each of imaptest1..{@code accounts}, 16 at a time; the milliseconds it took. */
    double loginEach(Stack s, int accounts) throws Exception {
        long t0 = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 1; i <= accounts; i++) {
                String user = "imaptest" + i + "@example.test";
                done.add(pool.submit(() -> {
                    try (var c = new ImapClient(HOST, s.imap())) {
                        c.command("LOGIN " + user + " " + PASSWORD);
                        c.command("LOGOUT");
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Starts the stack; the milliseconds until SMTP, IMAP and POP3 all accept a connection. */
    double start(Stack s) throws Exception {
        long t0 = System.nanoTime();
        stack(s, "start");
        for (int port : new int[] {s.smtp(), s.imap(), s.pop3()}) awaitPort(port);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** imaptest for {@link #IMAPTEST_SECONDS} against the stack, on its 100 imaptest accounts; with the load average. */
    double imaptest(Path imaptest, Path mbox, Stack s, int clients, List<String> mix) throws Exception {
        double rate = ImapTest.run(imaptest, mbox, HOST, s.imap(), "imaptest%d@example.test", IMAPTEST_USERS, clients, IMAPTEST_SECONDS, mix);
        System.out.printf("  (%s imaptest %d clients %s: load average %s)%n", s.name(), clients, mix.isEmpty() ? "default" : mix,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        return rate;
    }

    /** SMTP intake, delivery latency, POP3 download and our own IMAP mix, in rounds. */
    void mail() throws Exception {
        System.out.println("warming up (not measured): POP3 downloads until the rate settles, and 5 s of the IMAP mix, on each stack");
        for (Stack s : List.of(mailroom, reference)) {
            warmPop3(s);
            imapMix(s, -1, 5);
        }

        var intake = metric("SMTP intake (smtp-source, 8 sessions, 4 KB)", "msg/s", true);
        var readable = metric("SMTP intake until all readable in the INBOX", "msg/s", true);
        var latencyP50 = metric("delivery latency end of DATA to IDLE EXISTS, p50", "ms", false);
        var latencyP99 = metric("delivery latency end of DATA to IDLE EXISTS, p99", "ms", false);
        var pop3 = metric("POP3 download of 5,000 messages", "msg/s", true);
        var mix = metric("IMAP mixed workload, 16 clients", "ops/s", true);
        for (int r = 0; r < rounds; r++) {
            System.out.println("round " + (r + 1));
            for (Stack s : order(r)) {
                String user = "intake" + (r + 1);
                long t0 = System.nanoTime();
                smtpSource(s, user, INTAKE_MESSAGES, INTAKE_SESSIONS);
                intake.add(s, INTAKE_MESSAGES / ((System.nanoTime() - t0) / 1e9));
                awaitCount(s, user, INTAKE_MESSAGES);
                readable.add(s, INTAKE_MESSAGES / ((System.nanoTime() - t0) / 1e9));
            }
            for (Stack s : order(r)) {
                double[] latency = deliveryLatency(s);
                latencyP50.add(s, latency[0]);
                latencyP99.add(s, latency[1]);
            }
            for (Stack s : order(r)) pop3.add(s, pop3Download(s));
            for (Stack s : order(r)) mix.add(s, imapMix(s, r, MIX_SECONDS));
        }
    }

    /** SELECT and FETCH 1:* (FLAGS) on a 100,000-message mailbox. */
    void bigMailbox() throws Exception {
        System.out.println("a mailbox of " + BIG_MAILBOX + " messages");
        var select = metric("SELECT of a 100,000-message mailbox", "ms", false);
        var fetchFlags = metric("FETCH 1:* (FLAGS) on a 100,000-message mailbox", "ms", false);
        ImapBench.fill(HOST, mailroom.imap(), "big@example.test", PASSWORD, BIG_MAILBOX);
        fillMaildir(work.resolve("maildir/example.test/big"), BIG_MAILBOX);
        for (int r = -1; r < rounds; r++) { // round -1 warms up: Dovecot builds its index there
            for (Stack s : order(Math.max(r, 0))) {
                try (var c = new ImapClient(HOST, s.imap())) {
                    c.command("LOGIN big@example.test " + PASSWORD);
                    long t0 = System.nanoTime();
                    c.command("SELECT INBOX");
                    if (r >= 0) select.add(s, (System.nanoTime() - t0) / 1e6);
                    t0 = System.nanoTime();
                    c.command("FETCH 1:* (FLAGS)");
                    if (r >= 0) fetchFlags.add(s, (System.nanoTime() - t0) / 1e6);
                }
            }
        }

    }

    /**
     * Login and delivery with 100 accounts in the directory, then again after 100,000 more were
     * imported: neither should slow down. Every account has the same Argon2id hash (made by doveadm,
     * which both stacks read), so both do the same work per password check; logins go to the first
     * 100 accounts, whose checks both stacks cache.
     */
    void directoryScale() throws Exception {
        System.out.println("directory of " + MANY_ACCOUNTS + " accounts");
        var process = new ProcessBuilder("doveadm", "pw", "-s", "ARGON2ID", "-p", PASSWORD).start();
        String hash = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().replace("{ARGON2ID}", "");
        List<String> few = new ArrayList<>();
        for (int i = 1; i <= 100; i++) few.add("dir" + i + "@example.test");
        importAccounts(few, hash);
        var loginFew = metric("LOGIN/LOGOUT, 16 clients, 100 accounts in the directory", "logins/s", true);
        var deliverFew = metric("SMTP delivery to random accounts, 100 in the directory", "msg/s", true);
        var loginMany = metric("LOGIN/LOGOUT, 16 clients, 100,100 accounts in the directory", "logins/s", true);
        var deliverMany = metric("SMTP delivery to random accounts, 100,100 in the directory", "msg/s", true);
        for (Stack s : List.of(mailroom, reference)) loginRate(s, few, 3); // warm the password caches
        for (int r = 0; r < rounds; r++) {
            for (Stack s : order(r)) {
                loginFew.add(s, loginRate(s, few, 10));
                deliverFew.add(s, deliveryRate(s, few));
            }
        }
        List<String> all = new ArrayList<>(few);
        for (int i = 1; i <= MANY_ACCOUNTS; i++) all.add("many" + i + "@example.test");
        long t0 = System.nanoTime();
        importAccounts(all.subList(few.size(), all.size()), hash);
        System.out.printf("  imported %d accounts into both stacks in %.0f s%n", MANY_ACCOUNTS, (System.nanoTime() - t0) / 1e9);
        for (int r = 0; r < rounds; r++) {
            for (Stack s : order(r)) {
                loginMany.add(s, loginRate(s, few, 10));
                deliverMany.add(s, deliveryRate(s, all));
            }
        }
    }

    private void importAccounts(List<String> addresses, String hash) throws Exception {
        Path file = work.resolve("accounts.txt");
        Files.write(file, addresses.stream().map(a -> a + " " + hash).toList());
        for (Stack s : List.of(mailroom, reference)) {
            exec(List.of(repo.resolve("bench/stacks/" + s.script()).toString(), "import", work.toString(), file.toString()));
        }
    }

    /** 16 clients log in and out as random accounts of {@code users} for {@code seconds}; logins per second. */
    double loginRate(Stack s, List<String> users, long seconds) throws Exception {
        var logins = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                var random = new Random(i);
                done.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try (var c = new ImapClient(HOST, s.imap())) {
                            c.command("LOGIN " + users.get(random.nextInt(users.size())) + " " + PASSWORD);
                            c.command("LOGOUT");
                            logins.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        return logins.get() / (double) seconds;
    }

    /** 8 SMTP sessions send 1,000 small messages, each to a random account of {@code users}; accepted per second. */
    double deliveryRate(Stack s, List<String> users) throws Exception {
        long t0 = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                var random = new Random(100 + i);
                done.add(pool.submit(() -> {
                    try (var smtp = new Smtp(s.smtp())) {
                        for (int k = 0; k < 125; k++) {
                            smtp.send(users.get(random.nextInt(users.size())), "directory " + k);
                            smtp.awaitOk();
                        }
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        return 1000 / ((System.nanoTime() - t0) / 1e9);
    }

    /** A B in even rounds, B A in odd ones. */
    List<Stack> order(int round) {
        return round % 2 == 0 ? List.of(mailroom, reference) : List.of(reference, mailroom);
    }

    void stack(Stack s, String action) throws IOException, InterruptedException {
        exec(List.of(repo.resolve("bench/stacks/" + s.script()).toString(), action, work.toString()));
    }

    static void exec(List<String> command) throws IOException, InterruptedException {
        var process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) throw new IOException("failed: " + command);
    }

    static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("nothing listens on " + port);
    }

    /** Postfix's smtp-source drives both stacks: {@code messages} of 4 KB in {@code sessions} parallel sessions. */
    void smtpSource(Stack s, String user, int messages, int sessions) throws IOException, InterruptedException {
        exec(List.of("smtp-source", "-s", String.valueOf(sessions), "-m", String.valueOf(messages), "-l", "4096",
                "-f", "load@remote.test", "-t", user + "@example.test", Compare.HOST + ":" + s.smtp()));
    }

    /** Waits until POP3 shows at least {@code count} messages for the user. */
    void awaitCount(Stack s, String user, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Pop3.stat(HOST, s.pop3(), user + "@example.test", PASSWORD) >= count) return;
            Thread.sleep(10);
        }
        throw new IllegalStateException(s.name() + ": " + user + " never got " + count + " messages");
    }

    /**
     * One client idles on the mailbox; another sends a message every 50 ms over one SMTP session. The
     * latency is from writing the final dot to reading the EXISTS. Returns p50 and p99 in ms.
     */
    double[] deliveryLatency(Stack s) throws Exception {
        try (var idle = new ImapClient(HOST, s.imap()); var smtp = new Smtp(s.smtp())) {
            idle.command("LOGIN latency@example.test " + PASSWORD);
            String exists = idle.lines("SELECT INBOX").stream().filter(l -> l.endsWith(" EXISTS")).findFirst().orElseThrow();
            int count = Integer.parseInt(exists.split(" ")[1]);
            idle.startIdle();
            double[] latencies = new double[LATENCY_MESSAGES];
            for (int i = 0; i < LATENCY_MESSAGES; i++) {
                long sentAt = smtp.send("latency@example.test", "latency " + i);
                idle.await("* " + (++count) + " EXISTS");
                latencies[i] = (System.nanoTime() - sentAt) / 1e6;
                smtp.awaitOk();
                Thread.sleep(50);
            }
            Arrays.sort(latencies);
            return new double[] {latencies[LATENCY_MESSAGES / 2], latencies[(int) (LATENCY_MESSAGES * 0.99)]};
        }
    }

    /**
     * Downloads the POP3 mailbox until two rates in a row are within 5% (at most 8 times), so
     * that a JIT still compiling is not what the rounds measure.
     */
    void warmPop3(Stack s) throws IOException {
        double previous = 0;
        for (int i = 0; i < 8; i++) {
            double rate = pop3Download(s);
            System.out.printf("  %s POP3 warm-up %.0f msg/s%n", s.name(), rate);
            if (Math.abs(rate - previous) < 0.05 * rate) return;
            previous = rate;
        }
    }

    /**
     * Dovecot's copy of the 100,000-message mailbox is written as Maildir files directly and indexed
     * by the first (unmeasured) SELECT: filling it by APPEND took half an hour, as its sessions take
     * turns on dovecot-uidlist. The messages are the ones Mailroom gets by APPEND.
     */
    static void fillMaildir(Path maildir, int messages) throws IOException {
        var owner = maildir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("benchmail");
        for (String sub : List.of("cur", "new", "tmp")) Files.createDirectories(maildir.resolve(sub));
        for (Path p = maildir; p.startsWith(maildir.getParent().getParent()); p = p.getParent()) Files.setOwner(p, owner);
        for (String sub : List.of("cur", "new", "tmp")) Files.setOwner(maildir.resolve(sub), owner);
        long now = System.currentTimeMillis() / 1000;
        for (int i = 1; i <= messages; i++) {
            Path file = maildir.resolve("cur/" + now + ".M" + i + "P1.bench,S=" + ImapBench.BIG_MESSAGE.length + ":2,");
            Files.write(file, ImapBench.BIG_MESSAGE);
            Files.setOwner(file, owner);
        }
    }

    double pop3Download(Stack s) throws IOException {
        long t0 = System.nanoTime();
        long count = Pop3.download(s.pop3(), "pop@example.test", PASSWORD);
        return count / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * 16 clients, each on its own account, run sessions back to back for a fixed time: LOGIN,
     * SELECT, FETCH 1:* FLAGS, the last 10 envelopes, one whole message, STORE \Seen, APPEND,
     * SEARCH UNSEEN, delete the appended message (UID STORE \Deleted, UID EXPUNGE), LOGOUT.
     * Every command counts one operation.
     */
    double imapMix(Stack s, int round, long seconds) throws Exception {
        var ops = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        byte[] appended = ("From: mix@remote.test\r\nSubject: appended\r\n\r\n" + "An appended message.\r\n".repeat(80)).getBytes(StandardCharsets.US_ASCII);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 1; i <= MIX_USERS; i++) {
                String user = "mix" + i + "@example.test";
                var random = new Random(round * 100L + i);
                done.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try (var c = new ImapClient(HOST, s.imap())) {
                            c.command("LOGIN " + user + " " + PASSWORD);
                            String exists = c.lines("SELECT INBOX").stream().filter(l -> l.endsWith(" EXISTS")).findFirst().orElseThrow();
                            int n = Integer.parseInt(exists.split(" ")[1]);
                            c.command("FETCH 1:* (FLAGS)");
                            c.command("FETCH " + Math.max(1, n - 9) + ":" + n + " (ENVELOPE)");
                            c.command("FETCH " + (1 + random.nextInt(n)) + " (BODY.PEEK[])");
                            c.command("STORE " + (1 + random.nextInt(n)) + " +FLAGS (\\Seen)");
                            String ok = c.lines("APPEND INBOX {" + appended.length + "+}\r\n" + new String(appended, StandardCharsets.US_ASCII)).getLast();
                            String uid = ok.replaceAll(".*APPENDUID \\d+ (\\d+).*", "$1");
                            c.command("SEARCH UNSEEN");
                            c.command("UID STORE " + uid + " +FLAGS (\\Deleted)");
                            c.command("UID EXPUNGE " + uid);
                            c.command("LOGOUT");
                            ops.addAndGet(11);
                        }
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        return ops.get() / (double) seconds;
    }

    /**
     * Opens the connections, logs each in, selects INBOX and starts IDLE; the memory the stack's
     * processes gained (proportional set size, so shared pages count once) divided by their number.
     */
    double idleMemory(Stack s) throws Exception {
        long before = Memory.pssKb(s, work);
        List<ImapClient> clients = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(16)) {
            List<Future<ImapClient>> opened = new ArrayList<>();
            for (int i = 0; i < idleConnections; i++) {
                opened.add(pool.submit(() -> {
                    var c = new ImapClient(HOST, s.imap());
                    c.command("LOGIN idle@example.test " + PASSWORD);
                    c.command("SELECT INBOX");
                    c.startIdle();
                    return c;
                }));
            }
            for (var f : opened) clients.add(f.get());
            Thread.sleep(3000); // let lazily allocated memory settle
            long with = Memory.pssKb(s, work);
            return (with - before) / (double) idleConnections;
        } finally {
            for (var c : clients) c.close();
        }
    }

    /** A pipelining SMTP client that keeps one session open. */
    static final class Smtp implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Smtp(int port) throws IOException {
            socket = new Socket(HOST, port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            Pop3.expect(in, "220");
            out.write("EHLO bench.test\r\n".getBytes(StandardCharsets.US_ASCII));
            Pop3.expect(in, "250");
        }

        /** Sends one message; returns the time the final dot was written. Its 250 is read by {@link #awaitOk()}. */
        long send(String to, String subject) throws IOException {
            out.write(("MAIL FROM:<load@remote.test>\r\nRCPT TO:<" + to + ">\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
            Pop3.expect(in, "250");
            Pop3.expect(in, "250");
            Pop3.expect(in, "354");
            out.write(("From: load@remote.test\r\nSubject: " + subject + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII));
            long t = System.nanoTime();
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            return t;
        }

        void awaitOk() throws IOException {
            Pop3.expect(in, "250");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
