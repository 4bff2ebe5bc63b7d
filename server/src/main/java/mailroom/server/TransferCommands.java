package mailroom.server;

import mailroom.core.config.Config;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.sqlite.SqliteStorage;
import mailroom.transfer.Destination;
import mailroom.transfer.Exporter;
import mailroom.transfer.Importer;
import mailroom.transfer.Progress;
import mailroom.transfer.Source;
import mailroom.transfer.Summary;
import mailroom.transfer.backup.Backup;
import mailroom.transfer.backup.Restore;
import mailroom.transfer.imap.ImapClient;
import mailroom.transfer.imap.ImapSource;
import mailroom.transfer.maildir.MaildirDestination;
import mailroom.transfer.maildir.MaildirSource;
import mailroom.transfer.mbox.MboxDestination;
import mailroom.transfer.mbox.MboxSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Moving in and out: `mailroom import maildir|mbox|imap`, `export`, `backup` and `restore`. Each
 * shows its progress on standard error (a bar on a terminal, a line every few seconds elsewhere),
 * prints a summary, and exits non-zero when anything failed.
 */
final class TransferCommands {
    private TransferCommands() {}

    static Progress progress(String task) {
        return Progress.start(task, System.err, System.console() != null);
    }

    /** As for every command beside a node: warnings and errors only, so the output is the command's. */
    static void quietLogs() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(ch.qos.logback.classic.Level.WARN);
    }

    /** Ends a command's progress: prints its summary and returns its exit code. */
    static int summarize(Progress progress) {
        Summary summary = progress.finish();
        summary.print(System.out);
        return summary.exitCode();
    }

    /** The configuration of a node on embedded storage; on PostgreSQL, {@code refusal} as the one line. */
    static Config embedded(Main.ConfigOption config, String refusal) {
        Config c = config.load();
        if ("postgres".equals(c.storage.backend)) throw new IllegalArgumentException(refusal);
        return c;
    }

    static Account account(Accounts accounts, String address) {
        return accounts.find(address).orElseThrow(() -> new IllegalArgumentException("no account " + address + " (create it first with: mailroom user add)"));
    }

    /** Runs one import and prints its summary; a refused login is one line and exit code 1. */
    static int importFrom(Accounts accounts, Account account, SourceOpener opener, String task) throws Exception {
        try (var progress = progress(task); Source source = opener.open(progress)) {
            try {
                new Importer(accounts.storage(), account, progress).run(source);
            } catch (IOException e) {
                // Nothing could start: the source refused the login, or could not be reached or trusted.
                progress.finish();
                System.err.println("mailroom: " + (e instanceof ImapClient.LoginRefused ? e.getMessage() : "cannot read the source: " + reason(e)));
                return 1;
            }
            return summarize(progress);
        }
    }

    private static String reason(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return e.getCause() != null && e.getCause() != e && e.getCause().getMessage() != null && !m.contains(e.getCause().getMessage())
                ? m + " (" + e.getCause().getMessage() + ")" : m;
    }

    /** Opens a source that reports its notes (reconnections, say) to the operation's progress. */
    @FunctionalInterface
    interface SourceOpener {
        Source open(Progress progress) throws Exception;
    }

    @Command(name = "import", description = "Bring mail in from a Maildir, mbox files or another IMAP server.",
            subcommands = {ImportMaildir.class, ImportMbox.class, ImportImap.class})
    static final class Import {}

    @Command(name = "maildir", description = "Import a Maildir++ tree (Dovecot, Courier): folders, flags, keywords, internal dates, "
            + "subscriptions, and each folder's UIDVALIDITY and UIDs where dovecot-uidlist has them. A rerun imports only what is new.")
    static final class ImportMaildir extends Main.StorageCommand {
        @Parameters(paramLabel = "DIR", description = "the Maildir's root (the one with cur/, new/ and the .Folder directories)")
        Path dir;
        @Option(names = "--account", required = true, paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) throws Exception {
            return importFrom(accounts, account(accounts, address), progress -> new MaildirSource(dir), "import " + dir.getFileName());
        }
    }

    @Command(name = "mbox", description = "Import mbox files (mboxo or mboxrd), one folder per file named after it, or all into --mailbox.")
    static final class ImportMbox extends Main.StorageCommand {
        @Parameters(paramLabel = "FILE", arity = "1..*")
        List<Path> files;
        @Option(names = "--account", required = true, paramLabel = "ADDRESS")
        String address;
        @Option(names = "--mailbox", paramLabel = "NAME", description = "file every message into this mailbox")
        String mailbox;

        @Override
        int run(Accounts accounts) throws Exception {
            return importFrom(accounts, account(accounts, address), progress -> new MboxSource(files, mailbox), "import mbox");
        }
    }

    @Command(name = "imap", description = "Import every folder, message, flag, keyword and internal date from a running IMAP server, "
            + "over several connections. A rerun copies only what is new, so a site can copy days ahead and cut over with a short final run.")
    static final class ImportImap extends Main.StorageCommand {
        @Option(names = "--from", required = true, paramLabel = "URL", description = "imaps://USER@HOST[:PORT], or imap://USER@HOST[:PORT] (STARTTLS when offered); "
                + "with --accounts only the host and port count")
        URI from;
        @Option(names = "--password-file", paramLabel = "FILE", description = "the source password in the file's first line (default: a prompt, or standard input)")
        Path passwordFile;
        @Option(names = "--account", paramLabel = "ADDRESS", description = "the Mailroom account to fill")
        String address;
        @Option(names = "--folder", paramLabel = "FOLDER", description = "only this folder (repeatable)")
        List<String> folders = new ArrayList<>();
        @Option(names = "--connections", defaultValue = "4", description = "connections (folders) at once per account (default ${DEFAULT-VALUE})")
        int connections;
        @Option(names = "--insecure", description = "accept any TLS certificate (self-signed test servers)")
        boolean insecure;
        @Option(names = "--require-tls", description = "with imap://, refuse a server that does not offer STARTTLS")
        boolean requireTls;
        @Option(names = "--accounts", paramLabel = "FILE", description = "many accounts: one \"ADDRESS SOURCE-USER PASSWORD-FILE\" per line")
        Path accountsFile;
        @Option(names = "--parallel", defaultValue = "2", description = "with --accounts, accounts imported at once (default ${DEFAULT-VALUE})")
        int parallel;

        @Override
        int run(Accounts accounts) throws Exception {
            if (accountsFile != null) return many(accounts);
            if (address == null) throw new IllegalArgumentException("--account ADDRESS is required (or --accounts FILE)");
            Account account = account(accounts, address);
            String password = password(passwordFile);
            return importFrom(accounts, account, progress -> source(from, password, progress), "import " + from.getHost());
        }

        private Source source(URI uri, String password, Progress notes) {
            Source source = new ImapSource(uri, password, insecure, requireTls, connections, notes);
            return folders.isEmpty() ? source : Source.only(source, new LinkedHashSet<>(folders));
        }

        /** Several accounts, a bounded number at once, each with its own summary. */
        private int many(Accounts accounts) throws Exception {
            List<String[]> lines = new ArrayList<>();
            for (String line : Files.readAllLines(accountsFile)) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                String[] f = t.split("\\s+");
                if (f.length != 3) throw new IllegalArgumentException(accountsFile + ": expected \"ADDRESS SOURCE-USER PASSWORD-FILE\", got: " + t);
                account(accounts, f[0]);
                lines.add(f);
            }
            var slots = new Semaphore(Math.max(1, parallel));
            int worst = 0;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> results = new ArrayList<>();
                for (String[] f : lines) {
                    slots.acquire();
                    results.add(pool.submit(() -> {
                        try {
                            URI uri = new URI(from.getScheme(), f[1], from.getHost(), from.getPort(), null, null, null);
                            Progress progress = Progress.silent("import " + f[0]);
                            try (Source source = source(uri, password(Path.of(f[2])), progress)) {
                                new Importer(accounts.storage(), account(accounts, f[0]), progress).run(source);
                                Summary s = progress.finish();
                                synchronized (System.out) {
                                    s.print(System.out);
                                }
                                return s.exitCode();
                            } catch (IOException e) {
                                System.out.println("import " + f[0] + ": failed: " + reason(e));
                                return 1;
                            }
                        } finally {
                            slots.release();
                        }
                    }));
                }
                for (var r : results) worst = Math.max(worst, r.get());
            }
            return worst;
        }
    }

    static String password(Path file) throws Exception {
        if (file != null) {
            var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty()) throw new IllegalArgumentException(file + " is empty; it should hold the password");
            return lines.getFirst();
        }
        var console = System.console();
        if (console != null) return new String(console.readPassword("Source password: "));
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) throw new IllegalArgumentException("no password: give --password-file FILE or type it on standard input");
        return line;
    }

    @Command(name = "export", description = "Write an account's folders, flags and keywords as a Maildir++ tree (with dovecot-uidlist and "
            + "dovecot-keywords, so Dovecot serves it with the same UIDs) or as mbox files.")
    static final class Export extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;
        @Option(names = "--to", required = true, paramLabel = "DIR", description = "a new or empty directory")
        Path to;
        @Option(names = "--format", defaultValue = "maildir", description = "maildir or mbox (default ${DEFAULT-VALUE})")
        String format;

        @Override
        int run(Accounts accounts) throws Exception {
            Account account = account(accounts, address);
            Destination destination = switch (format) {
                case "maildir" -> new MaildirDestination(to);
                case "mbox" -> new MboxDestination(to);
                default -> throw new IllegalArgumentException("--format is maildir or mbox, not " + format);
            };
            try (destination; var progress = progress("export " + account.address())) {
                new Exporter(accounts.storage(), account, progress).run(destination);
                return summarize(progress);
            }
        }
    }

    @Command(name = "backup", description = "Copy a consistent snapshot of this node's data (embedded storage) into DIR while it runs; "
            + "a repeated backup into the same DIR copies only new message files. For PostgreSQL see docs/backup.md.")
    static final class BackupCommand implements Callable<Integer> {
        @Mixin
        Main.ConfigOption config;
        @Parameters(paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() throws Exception {
            quietLogs();
            Config c = embedded(config, "backup copies the embedded storage; a PostgreSQL cluster is backed up with PostgreSQL's tools (see docs/backup.md)");
            try (var storage = SqliteStorage.open(c.node.dataDir, c.storage.fsync); var progress = progress("backup")) {
                Backup.run(storage, dir, progress);
                return summarize(progress);
            }
        }
    }

    @Command(name = "restore", description = "Fill an empty data directory (the configuration's node.data_dir) from a backup made by `mailroom backup`.")
    static final class RestoreCommand implements Callable<Integer> {
        @Mixin
        Main.ConfigOption config;
        @Parameters(paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() throws Exception {
            quietLogs();
            Config c = embedded(config, "restore fills the embedded storage; restore PostgreSQL with its own tools (see docs/backup.md)");
            try (var progress = progress("restore")) {
                Restore.run(dir, c.node.dataDir, progress);
                return summarize(progress);
            }
        }
    }

}
