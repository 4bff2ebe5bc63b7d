package mailroom.sieve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dovecot Pigeonhole's {@code sieve-test} as the Sieve oracle: runs one {@link ConformanceCase} and
 * turns what sieve-test reports into the {@link Action#describe() normal form} lines Mailroom's
 * engine prints, in the order sieve-test lists them (performed actions, then implicit keep).
 *
 * <p>Each case runs in a directory of its own under the test's temporary directory, with a dovecot
 * config written there (never the packaged {@code /etc/dovecot}): a Maildir for the account,
 * {@code personal/} and {@code global/} for {@code include}, and only the extensions Mailroom offers.
 *
 * <p>sieve-test without {@code -e} lists what a script decided but does not judge whether a
 * vacation reply may go out: the RFC 3834 checks (null or system sender, list and bulk mail,
 * {@code Auto-Submitted}, none of our addresses in the headers) are made when the action is
 * executed. So when the script decided a vacation reply, the case is executed once more with
 * {@code -e} and the reply counts only if sieve-test logs that it sent it.
 */
public final class Pigeonhole {

    public static final Path SIEVE_TEST = Path.of("/usr/bin/sieve-test");

    /**
     * The extensions scripts may require: those issue #14 asks for. Pigeonhole has more (enotify,
     * duplicate, spamtest...) which stay off so a corpus script cannot lean on them; it lacks
     * {@code ereject} altogether; {@code vacation-seconds} is off in its defaults.
     */
    public static final String EXTENSIONS = "fileinto reject envelope encoded-character subaddress comparator-i;ascii-numeric"
            + " relational regex imap4flags copy include body variables mailbox date index vacation vacation-seconds";

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String VACATION_PENDING = "vacation ?";
    private static final Pattern VACATION_SENT = Pattern.compile("vacation action: sent vacation response to <([^>]*)>");
    private static final Pattern VACATION_LOG = Pattern.compile("sieve-test: Info: sieve: .*(vacation action: .*)");
    private static final Pattern STORED = Pattern.compile("sieve-test: Info: sieve: .*stored mail into mailbox '(.*)'");
    private static final String COMPILE_FAILED = "failed to compile sieve script";
    private static final String FALLBACK_KEEP = "final result: failed; resolved with successful implicit keep";

    /** How sieve-test ended. */
    public enum Status {
        /** The script ran; the lines are its outcome. */
        OK,
        /** The script failed at run time and Pigeonhole kept the message in INBOX instead (RFC 5228 2.10.6). */
        RUNTIME_ERROR,
        /** The script did not compile; there are no lines. */
        COMPILE_ERROR
    }

    /** What Pigeonhole decided for one case; {@code raw} holds every command with its output and trace. */
    public record Result(String name, Status status, List<String> lines, String raw) {
        public Result {
            lines = List.copyOf(lines);
        }
    }

    /** The outcome of one sieve-test process. */
    private record Run(List<String> command, int exitCode, String stdout, String stderr, String trace) {
        String transcript() {
            return "$ " + String.join(" ", command) + "\n(exit " + exitCode + ")\n--- stdout\n" + stdout
                    + "--- stderr\n" + stderr + (trace.isEmpty() ? "" : "--- trace\n" + trace);
        }
    }

    private final Path workDir;
    private final MailUser mailUser;

    /** An oracle keeping its files under {@code tempDir} (the test's own temporary directory). */
    public Pigeonhole(Path tempDir) throws IOException {
        this.workDir = tempDir.toAbsolutePath();
        Files.createDirectories(workDir);
        this.mailUser = MailUser.detect(workDir);
        if (mailUser != null) openPath(workDir);
    }

    /** Runs {@code c} through sieve-test and returns its outcome in normal form. */
    public Result run(ConformanceCase c) throws IOException, InterruptedException {
        Path dir = layOut(c);
        StringBuilder raw = new StringBuilder();
        if (c.nullSender()) {
            raw.append("note: sieve-test cannot take the null sender <>; without -f it takes the sender from the message's"
                    + " Return-Path, Sender or From header instead\n");
        }
        if (!c.mailboxes().isEmpty()) createMailboxes(dir, c, c.mailboxes(), raw);

        Run dry = sieveTest(dir, c, false, "trace-dry.txt");
        raw.append(dry.transcript());
        Status status = status(dry, raw);
        if (status != Status.OK) return new Result(c.name(), status, status == Status.RUNTIME_ERROR ? List.of(store("INBOX", Set.of())) : List.of(), raw.toString());

        List<String> lines;
        try {
            lines = parse(dry.stdout());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + raw, e);
        }
        if (lines.contains(VACATION_PENDING)) lines = decideVacation(dir, c, lines, raw);
        return new Result(c.name(), Status.OK, lines, raw.toString());
    }

    /** COMPILE_ERROR or RUNTIME_ERROR as sieve-test reports them; any other failure of the tool itself is thrown. */
    private static Status status(Run run, CharSequence raw) {
        if (run.stderr().contains(COMPILE_FAILED)) return Status.COMPILE_ERROR;
        if (run.exitCode() == 0) return Status.OK;
        if (run.stderr().contains(FALLBACK_KEEP)) return Status.RUNTIME_ERROR;
        throw new IllegalStateException("sieve-test failed:\n" + raw);
    }

    /**
     * Executes the case with {@code -e} to learn whether the vacation reply is really sent, and to
     * whom. Folders the script files into are created first: sieve-test does not create them on
     * delivery, and a failed store would abort the vacation action with it.
     */
    private List<String> decideVacation(Path dir, ConformanceCase c, List<String> lines, StringBuilder raw) throws IOException, InterruptedException {
        Set<String> targets = new LinkedHashSet<>();
        for (String line : lines) {
            if (line.startsWith("store ")) targets.add(mailboxOf(line));
        }
        List<String> missing = targets.stream().filter(m -> !m.equals("INBOX") && !c.mailboxes().contains(m)).toList();
        if (!missing.isEmpty()) createMailboxes(dir, c, missing, raw);

        Run exec = sieveTest(dir, c, true, "trace-exec.txt");
        raw.append(exec.transcript());
        if (status(exec, raw) != Status.OK) throw new IllegalStateException("executing the case failed where the dry run succeeded:\n" + raw);
        Set<String> stored = new TreeSet<>(matches(STORED, exec.stderr()));
        if (!stored.equals(new TreeSet<>(targets))) {
            throw new IllegalStateException("executing the case stored into " + stored + ", the dry run into " + targets + ":\n" + raw);
        }
        Matcher sent = VACATION_SENT.matcher(exec.stderr());
        String reply = sent.find() ? "vacation <" + sent.group(1) + ">" : null;
        raw.append("vacation: ").append(matches(VACATION_LOG, exec.stderr())).append('\n');
        List<String> decided = new ArrayList<>();
        for (String line : lines) {
            if (!line.equals(VACATION_PENDING)) decided.add(line);
            else if (reply != null) decided.add(reply);
        }
        return decided;
    }

    /** Makes folders exist in the case's Maildir by letting Dovecot itself file into them with {@code :create}. */
    private void createMailboxes(Path dir, ConformanceCase c, List<String> mailboxes, StringBuilder raw) throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder("require [\"fileinto\", \"mailbox\"];\n");
        for (String mailbox : mailboxes) script.append("fileinto :create ").append(quote(mailbox)).append(";\n");
        Path setup = dir.resolve("create-mailboxes.sieve");
        writeFile(setup, script.toString().getBytes(StandardCharsets.UTF_8));
        List<String> command = List.of(SIEVE_TEST.toString(), "-c", dir.resolve("dovecot.conf").toString(), "-C", "-e",
                "-f", c.to(), "-a", c.to(), "-r", c.to(), setup.toString(), dir.resolve("message.eml").toString());
        Run run = execute(dir, command, null);
        raw.append(run.transcript());
        if (run.exitCode() != 0 || !new TreeSet<>(matches(STORED, run.stderr())).containsAll(mailboxes)) {
            throw new IllegalStateException("could not create mailboxes " + mailboxes + ":\n" + raw);
        }
    }

    private Run sieveTest(Path dir, ConformanceCase c, boolean execute, String traceFile) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SIEVE_TEST.toString(), "-c", dir.resolve("dovecot.conf").toString(), "-C"));
        if (execute) command.add("-e");
        command.addAll(List.of("-t", dir.resolve(traceFile).toString(), "-Tlevel=matching"));
        // sieve-test refuses an empty -f; without one it reads the sender from the message instead.
        if (!c.nullSender()) command.addAll(List.of("-f", c.from()));
        command.addAll(List.of("-a", c.original(), "-r", c.to(), dir.resolve("script.sieve").toString(), dir.resolve("message.eml").toString()));
        return execute(dir, command, dir.resolve(traceFile));
    }

    /** Runs one sieve-test to its end (or kills it after {@link #TIMEOUT}), output in files so no pipe can fill up. */
    private static Run execute(Path dir, List<String> command, Path trace) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("HOME", dir.resolve("home").toString());
        Process process = builder.start();
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IOException("sieve-test did not finish within " + TIMEOUT + ": " + String.join(" ", command));
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        String traceText = trace != null && Files.exists(trace) ? Files.readString(trace, StandardCharsets.UTF_8) : "";
        return new Run(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), traceText);
    }

    // ---- sieve-test's report --------------------------------------------------------------------

    /**
     * Turns the report of a dry run into normal-form lines. It reads, under "Performed actions:"
     * and "Implicit keep:", one line per action ({@code " * "}), each possibly followed by
     * modifiers ({@code "        + "}). A vacation is followed by its parameters ({@code "    => "},
     * where the default handle spans several lines when the reason does) and its body between
     * START MESSAGE and END MESSAGE, all skipped: it becomes a placeholder line, to be decided by
     * executing the case. Anything else is an error, so a change in sieve-test's report cannot
     * go unnoticed.
     */
    static List<String> parse(String stdout) {
        List<ActionLine> actions = new ArrayList<>();
        boolean inVacation = false;
        for (String line : stdout.split("\r?\n", -1)) {
            if (inVacation) {
                inVacation = !line.equals("END MESSAGE");
            } else if (line.startsWith(" * ")) {
                actions.add(ActionLine.of(line.substring(3)));
                inVacation = actions.getLast().kind.equals("vacation");
            } else if (line.startsWith("        + ")) {
                if (actions.isEmpty()) throw new IllegalArgumentException("modifier before any action: " + line);
                actions.getLast().modify(line.substring(10));
            } else if (!(line.isBlank() || line.equals("Performed actions:")
                    || line.equals("Implicit keep:") || line.equals("  (none)"))) {
                throw new IllegalArgumentException("unexpected line in sieve-test's report: " + line);
            }
        }
        if (inVacation) throw new IllegalArgumentException("vacation message without END MESSAGE");
        return actions.stream().map(ActionLine::describe).filter(d -> !d.isEmpty()).toList();
    }

    /** One action of sieve-test's report, with the flags its modifiers add. */
    private static final class ActionLine {
        private final String kind;
        private final String argument;
        private final Set<String> flags = new TreeSet<>();

        private ActionLine(String kind, String argument) {
            this.kind = kind;
            this.argument = argument;
        }

        static ActionLine of(String text) {
            if (text.startsWith("store message in folder: ")) return new ActionLine("store", text.substring(25));
            if (text.startsWith("redirect message to: ")) return new ActionLine("redirect", text.substring(21));
            if (text.startsWith("reject message with reason: ")) return new ActionLine("reject", "");
            if (text.equals("send vacation message:")) return new ActionLine("vacation", "");
            if (text.equals("discard")) return new ActionLine("discard", "");
            throw new IllegalArgumentException("unknown action in sieve-test's report: " + text);
        }

        void modify(String modifier) {
            if (modifier.startsWith("add IMAP flags: ") && kind.equals("store")) {
                for (String flag : modifier.substring(16).trim().split(" +")) flags.add(flag.toLowerCase(Locale.ROOT));
            } else if (!modifier.equals("create mailbox if it does not exist") && !modifier.equals("preserve implicit keep")) {
                throw new IllegalArgumentException("unknown modifier of " + kind + " in sieve-test's report: " + modifier);
            }
        }

        /** The normal form; a discard is no line at all. */
        String describe() {
            return switch (kind) {
                case "store" -> store(argument, flags);
                case "redirect" -> "redirect " + argument; // sieve-test already prints <address>
                case "reject" -> "reject";
                case "vacation" -> VACATION_PENDING;
                case "discard" -> "";
                default -> throw new IllegalStateException(kind);
            };
        }
    }

    private static String store(String mailbox, Set<String> flags) {
        return new Action.Store(mailbox, flags, false).describe();
    }

    private static String mailboxOf(String storeLine) {
        int end = storeLine.indexOf('"', 7);
        return storeLine.substring(7, end);
    }

    private static List<String> matches(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) found.add(m.group(1));
        return found;
    }

    // ---- the case's directory and dovecot config ------------------------------------------------

    /** Writes the case, its include scripts and a dovecot.conf into a fresh directory. */
    private Path layOut(ConformanceCase c) throws IOException {
        Path dir = workDir.resolve(c.name());
        if (Files.exists(dir)) throw new IllegalStateException("case " + c.name() + " already ran in " + workDir);
        for (String sub : List.of("", "personal", "global", "home", "run")) makeDirectory(dir.resolve(sub));
        writeFile(dir.resolve("script.sieve"), c.script().getBytes(StandardCharsets.UTF_8));
        writeFile(dir.resolve("message.eml"), c.message());
        writeScripts(dir.resolve("personal"), c.personal());
        writeScripts(dir.resolve("global"), c.global());
        writeFile(dir.resolve("dovecot.conf"), config(dir).getBytes(StandardCharsets.UTF_8));
        return dir;
    }

    /**
     * A config with nothing from /etc/dovecot: runtime files, the account's home and Maildir in
     * the case directory; when the test runs as root, mail is handled as nobody because Dovecot
     * refuses to act on mail as root.
     */
    private String config(Path dir) {
        String user = mailUser == null ? "" : """
                mail_uid = %d
                mail_gid = %d
                first_valid_uid = 1
                first_valid_gid = 1
                """.formatted(mailUser.uid(), mailUser.gid());
        return user + """
                base_dir = %1$s/run
                state_dir = %1$s/run
                mail_home = %1$s/home
                mail_location = maildir:%1$s/home/Maildir
                plugin {
                  sieve = file:%1$s/personal
                  sieve_global = %1$s/global
                  sieve_extensions = %2$s
                }
                """.formatted(dir, EXTENSIONS);
    }

    private void writeScripts(Path dir, Map<String, String> scripts) throws IOException {
        for (var script : scripts.entrySet()) {
            writeFile(dir.resolve(script.getKey() + ".sieve"), script.getValue().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A directory the mail user may write into (sieve-test saves compiled scripts beside them, Dovecot its Maildir). */
    private void makeDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (mailUser != null) Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    private void writeFile(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        if (mailUser != null) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Lets another user pass through every directory from / down to {@code dir} (JUnit's temporary directories are private). */
    private static void openPath(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            // Only where it is missing: rewriting /tmp's permissions would drop its sticky bit.
            if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) Files.setPosixFilePermissions(p, perms);
        }
    }

    /** The unprivileged user Dovecot handles mail as when the test runs as root. */
    private record MailUser(int uid, int gid) {
        /** nobody from /etc/passwd when this process is root, else null (sieve-test then runs as ourselves). */
        static MailUser detect(Path ownDirectory) throws IOException {
            int ourUid = (Integer) Files.getAttribute(ownDirectory, "unix:uid");
            if (ourUid != 0) return null;
            for (String entry : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] fields = entry.split(":");
                if (fields.length > 3 && fields[0].equals("nobody")) {
                    return new MailUser(Integer.parseInt(fields[2]), Integer.parseInt(fields[3]));
                }
            }
            throw new IOException("running as root, and there is no user nobody for Dovecot to handle mail as");
        }
    }
}
