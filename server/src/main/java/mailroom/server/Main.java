package mailroom.server;

import ch.qos.logback.classic.Level;
import mailroom.core.config.Config;
import mailroom.core.config.ConfigException;
import mailroom.core.config.ConfigLoader;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Directory;
import mailroom.storage.StorageException;
import mailroom.storage.sqlite.SqliteStorage;
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

/** The command line: {@code mailroom serve}, and the administration commands that work beside a running node. */
@Command(name = "mailroom", mixinStandardHelpOptions = true, version = "Mailroom 0.1",
        description = "A clustered mail service: SMTP in, IMAP/POP3 out, routed by DNS.",
        subcommands = {Main.Serve.class, Main.User.class, Main.Domain.class})
public final class Main {

    public static void main(String[] args) {
        var cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String message = switch (e) {
                case ConfigException c -> "config error: " + c.getMessage();
                case Node.StartupException s -> s.getMessage();
                case IllegalArgumentException i -> i.getMessage();
                case StorageException s -> s.getMessage();
                default -> null;
            };
            if (message == null) throw e;
            cmd.getErr().println("mailroom: " + message);
            return e instanceof ConfigException ? 2 : 1;
        });
        System.exit(cli.execute(args));
    }

    /** The --config option every command takes. */
    static final class ConfigOption {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "TOML configuration (default: built-in defaults)")
        Path file;

        Config load() {
            return ConfigLoader.load(file);
        }
    }

    @Command(name = "serve", description = "Run a node with the roles its configuration names.")
    static final class Serve implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() throws Exception {
            var node = new Node(config.load(), System.out);
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

        @Override
        public final Integer call() throws Exception {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
            Config c = config.load();
            try (var storage = SqliteStorage.open(c.node.dataDir, c.storage.fsync)) {
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

        private static String check(String password) {
            if (password.length() < 8) throw new IllegalArgumentException("a password needs at least 8 characters");
            return password;
        }
    }

    @Command(name = "user", description = "Manage accounts.", subcommands = {User.Add.class, User.List.class, User.Delete.class, User.Passwd.class, User.Quota.class})
    static final class User {
        @Command(name = "add", description = "Create an account with the standard folders.")
        static final class Add extends StorageCommand {
            @Parameters(paramLabel = "ADDRESS", description = "user@domain, or a bare user in the default domain")
            String address;
            @Mixin
            PasswordOptions password;

            @Override
            int run(Accounts accounts) throws Exception {
                Account a = accounts.create(address, password.read());
                System.out.println("created " + a.address());
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
                    Long bytes = mailroom.core.config.ByteSizeDeserializer.parse(limit);
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
                if (!mailroom.core.mail.EmailAddress.isHostname(domain)) {
                    throw new IllegalArgumentException("not a domain name: " + domain);
                }
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
}
