package mailroom.server;

import ch.qos.logback.classic.Level;
import mailroom.core.config.Config;
import mailroom.core.config.ConfigException;
import mailroom.core.config.ConfigLoader;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Directory;
import mailroom.storage.Storage;
import mailroom.storage.StorageException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;

/** The command line: {@code mailroom serve}, and the administration commands that work beside a running node. */
@Command(name = "mailroom", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "A clustered mail service: SMTP in, IMAP/POP3 out, routed by DNS.",
        subcommands = {Main.Serve.class, Main.User.class, Main.Domain.class, Main.Alias.class, Main.Queue.class, Main.Dkim.class,
                ClusterCommands.Route.class, ClusterCommands.Store.class, ClusterCommands.Status.class, DatabaseCommands.class, AdminCommands.class, SecurityCommands.class,
                TransferCommands.Import.class, TransferCommands.Export.class, TransferCommands.BackupCommand.class, TransferCommands.RestoreCommand.class,
                SieveCommands.Sieve.class, SieveCommands.Vacation.class, SharingCommands.Share.class, SharingCommands.Group.class, LocalPostgres.class})
public final class Main {
    static final String VERSION = "Mailroom 0.1";

    public static void main(String[] args) throws Exception {
        boolean serve = args.length > 0 && args[0].equals("serve");
        String[] serveArgs = serve ? java.util.Arrays.copyOfRange(args, 1, args.length) : null;
        // `serve` as the launcher and service files write it starts without picocli: picocli's
        // classes are too old a class-file version for the ahead-of-time cache, so they load and
        // run cold, and building even the one command's model was a third of the main thread's
        // start (async-profiler, 2026-12-02). Anything else (--help, a typo) goes to picocli.
        Serve plain = serve ? Serve.fromPlainArguments(serveArgs) : null;
        if (plain != null) {
            int status;
            try {
                status = plain.call();
            } catch (Exception e) {
                status = reportFailure(e, new java.io.PrintWriter(System.err, true));
            }
            System.exit(status);
        }
        // Other commands need the whole tree; `serve` alone gets a command line of its own, since
        // picocli reflects over the annotations of every command it is handed (~60 below).
        var cli = serve ? new CommandLine(new Serve()).setCommandName("mailroom serve") : new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> reportFailure(e, cmd.getErr()));
        System.exit(cli.execute(serve ? serveArgs : args));
    }

    /** One line for the failures a user can act on, with the exit status; anything else is a bug and keeps its stack trace. */
    private static int reportFailure(Exception e, java.io.PrintWriter err) throws Exception {
        String message = switch (e) {
            case ConfigException c -> "config error: " + c.getMessage();
            case Node.StartupException s -> s.getMessage();
            case IllegalArgumentException i -> i.getMessage();
            case StorageException s -> s.getMessage();
            default -> null;
        };
        if (message == null) throw e;
        err.println("mailroom: " + message);
        err.flush();
        return e instanceof ConfigException ? 2 : 1;
    }

    /** The --config option every command takes. */
    static final class ConfigOption {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "TOML configuration (default: built-in defaults)")
        Path file;

        Config load() {
            return ConfigLoader.load(file);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, version = Main.VERSION,
            description = "Run a node with the roles its configuration names.")
    static final class Serve implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        /** The launcher's training run for the ahead-of-time cache (see AotTraining); not for people. */
        @Option(names = "--aot-training", hidden = true, paramLabel = "SECONDS")
        Integer aotTraining;

        @Option(names = "--aot-training-address", hidden = true, defaultValue = "127.0.0.1")
        String aotTrainingAddress;

        /**
         * The command as picocli would read it from these arguments when they are only the options
         * above, each once, as {@code --name value} or {@code --name=value} ({@code -c FILE});
         * null for anything else, which picocli then reads, helps with or refuses.
         */
        static Serve fromPlainArguments(String[] args) {
            var serve = new Serve();
            serve.config = new ConfigOption();
            serve.aotTrainingAddress = "127.0.0.1";
            var seen = new java.util.HashSet<String>();
            for (int i = 0; i < args.length; i++) {
                String name = args[i], value;
                int equals = name.indexOf('=');
                if (name.startsWith("--") && equals > 0) {
                    value = name.substring(equals + 1);
                    name = name.substring(0, equals);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    return null;
                }
                if (name.equals("-c")) name = "--config";
                if (!seen.add(name)) return null;
                switch (name) {
                    case "--config" -> serve.config.file = Path.of(value);
                    case "--aot-training" -> {
                        if (!value.matches("[0-9]{1,9}")) return null;
                        serve.aotTraining = Integer.valueOf(value);
                    }
                    case "--aot-training-address" -> serve.aotTrainingAddress = value;
                    default -> {
                        return null;
                    }
                }
            }
            return serve;
        }

        @Override
        public Integer call() throws Exception {
            if (aotTraining != null) {
                AotTraining.run(java.time.Duration.ofSeconds(aotTraining), aotTrainingAddress, System.err);
                return 0;
            }
            // Two slow first uses that need nothing from the configuration run on a second thread
            // while the main thread reads it: logging's set-up (from the environment alone) and
            // the embedded database driver's (before the configuration says which backend: on a
            // PostgreSQL node that part is spent for nothing, beside the main thread). Each is tens
            // of milliseconds of cold code; on two cores they overlap with the reading.
            var logging = new FutureTask<>(LoggerFactory::getILoggerFactory);
            Thread.ofPlatform().name("start-ahead").start(() -> {
                logging.run();
                mailroom.storage.sqlite.SqliteStorage.prepare();
            });
            Config loaded = config.load();
            // No logger is used before logging is set up: SLF4J would hold its calls and replay
            // them, with a warning on standard error.
            logging.get();
            var node = new Node(loaded, System.out);
            var stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                node.close();
                stopped.countDown();
            }));
            stopped.await();
            return 0;
        }
    }

    /** Base of the commands that open the data directory beside a possibly running node. */
    abstract static class StorageCommand implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        Storage storage;
        Config loaded;

        @Override
        public final Integer call() throws Exception {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
            Config c = config.load();
            loaded = c;
            try (var storage = Backends.open(c)) {
                this.storage = storage;
                var accounts = new Accounts(storage, c.mail.domain);
                accounts.addDomain(c.mail.domain); // so `user add` works before the first `serve`
                return run(accounts);
            } catch (Directory.AlreadyExists e) {
                System.err.println("mailroom: " + e.getMessage());
                return 1;
            }
        }

        abstract int run(Accounts accounts) throws Exception;
    }

    /** Where a new password comes from: the flag, standard input, or a prompt. */
    static final class PasswordOptions {
        @Option(names = "--password", paramLabel = "PASSWORD", description = "the password (visible in the process list; prefer the prompt or --password-stdin)")
        String password;

        @Option(names = "--password-stdin", description = "read the password from the first line of standard input")
        boolean fromStdin;

        String read() throws Exception {
            if (password != null) return check(password);
            var console = System.console();
            if (!fromStdin && console != null) {
                String first = new String(console.readPassword("New password: "));
                String again = new String(console.readPassword("Again: "));
                if (!first.equals(again)) throw new IllegalArgumentException("the passwords differ");
                return check(first);
            }
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return check(line == null ? "" : line);
        }

        static String check(String password) {
            return Accounts.requireGoodPassword(password);
        }
    }

    @Command(name = "user", description = "Manage accounts.", subcommands = {User.Add.class, User.Import.class, User.List.class, User.Delete.class, User.Passwd.class, User.Quota.class})
    static final class User {
        @Command(name = "add", description = "Create an account with the standard folders.")
        static final class Add extends StorageCommand {
            @Parameters(paramLabel = "ADDRESS", description = "user@domain, or a bare user in the default domain")
            String address;
            @Mixin
            PasswordOptions password;
            @Option(names = "--role", description = "a role account (a help desk, a lab): no password, nobody logs in; "
                    + "people reach it through what it shares with them (`mailroom share`)")
            boolean role;

            @Override
            int run(Accounts accounts) throws Exception {
                Account a = role ? accounts.createWithHash(address, "") : accounts.create(address, password.read());
                System.out.println("created " + (role ? "role account " : "") + a.address());
                return 0;
            }
        }

        @Command(name = "import", description = "Create many accounts from FILE (\"-\" for standard input): one per line, "
                + "the address and the password separated by white space; an Argon2id hash in PHC form "
                + "($argon2id$v=19$...) may stand for the password. Blank lines and lines starting with # are skipped.")
        static final class Import extends StorageCommand {
            @Parameters(paramLabel = "FILE")
            String file;

            @Override
            int run(Accounts accounts) throws Exception {
                var in = file.equals("-") ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        : java.nio.file.Files.newBufferedReader(Path.of(file));
                try (in) {
                    System.out.println("created " + accounts.importAccounts(in, file) + " accounts");
                }
                return 0;
            }
        }

        @Command(name = "list", description = "List accounts.")
        static final class List extends StorageCommand {
            @Override
            int run(Accounts accounts) {
                accounts.list().forEach(a -> System.out.println(a.address()));
                return 0;
            }
        }

        @Command(name = "delete", description = "Delete an account and all its mail.")
        static final class Delete extends StorageCommand {
            @Parameters(paramLabel = "ADDRESS")
            String address;

            @Override
            int run(Accounts accounts) throws Exception {
                if (!accounts.delete(address)) throw new IllegalArgumentException("no account " + address);
                System.out.println("deleted " + address);
                return 0;
            }
        }

        @Command(name = "quota", description = "Show an account's storage use and limit, or set the limit (0: none).")
        static final class Quota extends StorageCommand {
            @Parameters(index = "0", paramLabel = "ADDRESS")
            String address;
            @Parameters(index = "1", arity = "0..1", paramLabel = "LIMIT", description = "bytes, or KB/MB/GB, e.g. 2GB")
            String limit;

            @Override
            int run(Accounts accounts) {
                var account = accounts.find(address).orElseThrow(() -> new IllegalArgumentException("no account " + address));
                if (limit != null) {
                    Long bytes = mailroom.core.config.Units.byteSize(limit);
                    if (bytes == null) throw new IllegalArgumentException("not a size: " + limit);
                    accounts.setQuota(address, bytes);
                    account = accounts.find(address).orElseThrow();
                }
                System.out.println(account.address() + ": " + accounts.usage(account) + " bytes used, limit "
                        + (account.quotaBytes() == 0 ? "none" : account.quotaBytes() + " bytes"));
                return 0;
            }
        }

        @Command(name = "passwd", description = "Set an account's password.")
        static final class Passwd extends StorageCommand {
            @Parameters(paramLabel = "ADDRESS")
            String address;
            @Mixin
            PasswordOptions password;

            @Override
            int run(Accounts accounts) throws Exception {
                if (accounts.find(address).isEmpty()) throw new IllegalArgumentException("no account " + address);
                accounts.setPassword(address, password.read());
                System.out.println("password changed for " + address);
                return 0;
            }
        }
    }

    @Command(name = "domain", description = "Manage local domains.", subcommands = {Domain.Add.class, Domain.List.class})
    static final class Domain {
        @Command(name = "add", description = "Accept mail for another domain.")
        static final class Add extends StorageCommand {
            @Parameters(paramLabel = "DOMAIN")
            String domain;

            @Override
            int run(Accounts accounts) {
                accounts.addDomain(domain);
                System.out.println("added " + domain.toLowerCase(java.util.Locale.ROOT));
                return 0;
            }
        }

        @Command(name = "list", description = "List local domains.")
        static final class List extends StorageCommand {
            @Override
            int run(Accounts accounts) {
                accounts.domains().forEach(System.out::println);
                return 0;
            }
        }
    }

    @Command(name = "alias", description = "Manage address aliases: forwards, simple lists and catch-alls.",
            subcommands = {Alias.Add.class, Alias.List.class, Alias.Delete.class})
    static final class Alias {
        @Command(name = "add", description = "Send mail for ADDRESS to the TARGETs (replacing any earlier alias). "
                + "ADDRESS *@domain is the domain's catch-all; a TARGET may be outside (a forward).")
        static final class Add extends StorageCommand {
            @Parameters(index = "0", paramLabel = "ADDRESS")
            String address;
            @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET")
            java.util.List<String> targets;

            @Override
            int run(Accounts accounts) {
                var alias = parse(accounts, address);
                for (String target : targets) {
                    if (mailroom.core.mail.EmailAddress.parse(target, true).isEmpty()) throw new IllegalArgumentException("not an address: " + target);
                }
                storage.directory().setAlias(new Directory.Alias(alias.localPart(), alias.domain(), targets));
                System.out.println(alias.address() + " -> " + String.join(", ", targets));
                return 0;
            }
        }

        @Command(name = "list", description = "List aliases.")
        static final class List extends StorageCommand {
            @Override
            int run(Accounts accounts) {
                storage.directory().aliases().forEach(a -> System.out.println(a.address() + " -> " + String.join(", ", a.targets())));
                return 0;
            }
        }

        @Command(name = "delete", description = "Remove an alias.")
        static final class Delete extends StorageCommand {
            @Parameters(paramLabel = "ADDRESS")
            String address;

            @Override
            int run(Accounts accounts) {
                var alias = parse(accounts, address);
                if (!storage.directory().deleteAlias(alias.localPart(), alias.domain())) throw new IllegalArgumentException("no alias " + address);
                System.out.println("deleted " + alias.address());
                return 0;
            }
        }

        private static Directory.Alias parse(Accounts accounts, String address) {
            var a = accounts.address(address);
            if (!a.localPart().equals(Directory.Alias.CATCH_ALL) && mailroom.core.mail.EmailAddress.parse(a.toString(), true).isEmpty()) {
                throw new IllegalArgumentException("not an address: " + address);
            }
            if (!accounts.domains().contains(a.domain().toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("domain " + a.domain() + " is not local (add it first)");
            }
            return new Directory.Alias(a.localPart(), a.domain().toLowerCase(java.util.Locale.ROOT), java.util.List.of());
        }
    }

    @Command(name = "queue", description = "Look at and act on mail waiting for delivery.",
            subcommands = {Queue.List.class, Queue.Retry.class, Queue.Delete.class})
    static final class Queue {
        @Command(name = "list", description = "Queued messages with their recipients, attempts and last errors.")
        static final class List extends StorageCommand {
            @Override
            int run(Accounts accounts) {
                var entries = storage.queue().list();
                for (var e : entries) {
                    System.out.printf("%d  %s  from <%s>  queued %s%n", e.id(), e.blobId().substring(0, 12), e.sender(), e.createdAt());
                    for (var r : e.recipients()) {
                        System.out.printf("    %-40s %-9s attempts %d%s%s%n", r.address(), r.state(), r.attempts(),
                                r.state() == mailroom.storage.Queue.State.PENDING ? "  next " + r.nextAttempt() : "",
                                r.lastError() == null ? "" : "  last error: " + r.lastError());
                    }
                }
                System.out.println(entries.size() + " queued");
                return 0;
            }
        }

        @Command(name = "retry", description = "Try the message's pending recipients again now.")
        static final class Retry extends StorageCommand {
            @Parameters(paramLabel = "ID")
            long id;

            @Override
            int run(Accounts accounts) {
                if (!storage.queue().retryNow(id, java.time.Instant.now())) throw new IllegalArgumentException("no queued message " + id + " with recipients pending");
                System.out.println("retrying " + id);
                return 0;
            }
        }

        @Command(name = "delete", description = "Remove a message from the queue without delivering or returning it.")
        static final class Delete extends StorageCommand {
            @Parameters(paramLabel = "ID")
            long id;

            @Override
            int run(Accounts accounts) {
                if (!storage.queue().delete(id)) throw new IllegalArgumentException("no queued message " + id);
                System.out.println("deleted " + id);
                return 0;
            }
        }
    }

    @Command(name = "dkim", description = "DKIM signing keys for outgoing mail.", subcommands = {Dkim.Generate.class, Dkim.Show.class})
    static final class Dkim {
        @Command(name = "generate", description = "Make a new signing key for DOMAIN and print the DNS record to publish.")
        static final class Generate extends StorageCommand {
            @Parameters(paramLabel = "DOMAIN")
            String domain;
            @Option(names = "--selector", defaultValue = "mailroom", description = "the selector (default: ${DEFAULT-VALUE})")
            String selector;

            @Override
            int run(Accounts accounts) {
                if (!accounts.domains().contains(domain.toLowerCase(java.util.Locale.ROOT))) throw new IllegalArgumentException("domain " + domain + " is not local");
                var key = mailroom.smtp.Dkim.generate(domain.toLowerCase(java.util.Locale.ROOT), selector);
                storage.directory().setDkimKey(key);
                print(key);
                return 0;
            }
        }

        @Command(name = "show", description = "Print the DNS record of DOMAIN's signing key.")
        static final class Show extends StorageCommand {
            @Parameters(paramLabel = "DOMAIN")
            String domain;

            @Override
            int run(Accounts accounts) {
                print(storage.directory().dkimKey(domain).orElseThrow(() -> new IllegalArgumentException("no DKIM key for " + domain)));
                return 0;
            }
        }

        static void print(Directory.DkimKey key) {
            String[] record = mailroom.smtp.Dkim.dnsRecord(key);
            // a TXT record's strings are at most 255 octets each (RFC 1035 section 3.3.14)
            java.util.List<String> strings = new java.util.ArrayList<>();
            for (int i = 0; i < record[1].length(); i += 250) strings.add("\"" + record[1].substring(i, Math.min(record[1].length(), i + 250)) + "\"");
            System.out.println(record[0] + ". IN TXT " + String.join(" ", strings));
        }
    }
}
