package mailroom.server;

import mailroom.sieve.AccountRules;
import mailroom.sieve.OutOfOffice;
import mailroom.sieve.syntax.SieveException;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.SieveScripts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** `mailroom sieve` and `mailroom vacation`: an account's mail rules and out-of-office, as an administrator sets them. */
final class SieveCommands {
    private SieveCommands() {}

    private static Account account(Accounts accounts, String address) {
        return accounts.find(address).orElseThrow(() -> new IllegalArgumentException("no account " + address));
    }

    @Command(name = "sieve", description = "An account's Sieve scripts (users manage theirs over ManageSieve, port 6190).",
            subcommands = {Put.class, Activate.class, ListScripts.class, Show.class})
    static final class Sieve {}

    @Command(name = "put", description = "Store FILE (\"-\" for standard input) as the account's script NAME, once it compiles.")
    static final class Put extends Main.StorageCommand {
        @Parameters(index = "0", paramLabel = "ADDRESS")
        String address;
        @Parameters(index = "1", paramLabel = "NAME")
        String name;
        @Parameters(index = "2", paramLabel = "FILE")
        String file;
        @Option(names = "--activate", description = "make it the active script")
        boolean activate;

        @Override
        int run(Accounts accounts) throws Exception {
            Account account = account(accounts, address);
            String source = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
            var rules = new AccountRules(storage);
            try {
                rules.put(account.id(), name, source);
            } catch (SieveException e) {
                throw new IllegalArgumentException(file + ": " + e.describe());
            }
            if (activate) rules.activate(account.id(), name);
            System.out.println("stored " + name + " for " + account.address() + (activate ? ", active" : ""));
            return 0;
        }
    }

    @Command(name = "activate", description = "Make NAME the account's active script; --none turns filtering off.")
    static final class Activate extends Main.StorageCommand {
        @Parameters(index = "0", paramLabel = "ADDRESS")
        String address;
        @Parameters(index = "1", paramLabel = "NAME", arity = "0..1")
        String name;
        @Option(names = "--none", description = "no active script")
        boolean none;

        @Override
        int run(Accounts accounts) {
            if ((name == null) != none) throw new IllegalArgumentException("give a script NAME or --none");
            Account account = account(accounts, address);
            if (!new AccountRules(storage).activate(account.id(), name)) throw new IllegalArgumentException("no script " + name + " for " + account.address());
            System.out.println(account.address() + (name == null ? " has no active script" : ": " + name + " is active"));
            return 0;
        }
    }

    @Command(name = "list", description = "The account's scripts; the active one is marked.")
    static final class ListScripts extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) {
            for (SieveScripts.Info info : new AccountRules(storage).list(account(accounts, address).id()))
                System.out.printf("%-30s %8d bytes%s%n", info.name(), info.size(), info.active() ? "  active" : "");
            return 0;
        }
    }

    @Command(name = "show", description = "Print the account's script NAME (the active one without NAME).")
    static final class Show extends Main.StorageCommand {
        @Parameters(index = "0", paramLabel = "ADDRESS")
        String address;
        @Parameters(index = "1", paramLabel = "NAME", arity = "0..1")
        String name;

        @Override
        int run(Accounts accounts) {
            Account account = account(accounts, address);
            String wanted = name != null ? name : storage.sieve().active(account.id()).map(SieveScripts.Active::name)
                    .orElseThrow(() -> new IllegalArgumentException(account.address() + " has no active script"));
            System.out.print(new AccountRules(storage).show(account.id(), wanted).orElseThrow(() -> new IllegalArgumentException("no script " + wanted)));
            return 0;
        }
    }

    @Command(name = "vacation", description = "An account's out-of-office reply, without writing Sieve.",
            subcommands = {VacationSet.class, VacationShow.class, VacationOff.class})
    static final class Vacation {}

    @Command(name = "set", description = "Answer mail to ADDRESS between two dates (each sender once per --days), keeping its other rules.")
    static final class VacationSet extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;
        @Option(names = "--from", paramLabel = "DATE", description = "first day away (YYYY-MM-DD; default: now)")
        String from;
        @Option(names = "--until", paramLabel = "DATE", description = "last day away (YYYY-MM-DD; default: until `vacation off`)")
        String until;
        @Option(names = "--subject", paramLabel = "S", description = "the reply's subject (default: \"Auto: \" and the original's)")
        String subject;
        @Option(names = "--body-file", paramLabel = "FILE", required = true, description = "the reply's text (\"-\" for standard input)")
        String bodyFile;
        @Option(names = "--days", paramLabel = "N", defaultValue = "7", description = "answer each sender at most once in N days (default: 7)")
        int days;

        @Override
        int run(Accounts accounts) throws Exception {
            Account account = account(accounts, address);
            String body = bodyFile.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(bodyFile));
            var set = new AccountRules(storage).setVacation(account.id(), new OutOfOffice(date(from), date(until), subject, body, days, null));
            System.out.println(describe(account, set));
            return 0;
        }
    }

    @Command(name = "show", description = "The account's out-of-office, if one is set.")
    static final class VacationShow extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) {
            Account account = account(accounts, address);
            var set = new AccountRules(storage).vacation(account.id());
            System.out.println(set.map(v -> describe(account, v) + "\n\n" + v.body().strip()).orElse(account.address() + " has no out-of-office"));
            return 0;
        }
    }

    @Command(name = "off", description = "End the account's out-of-office; the rules it kept are active again.")
    static final class VacationOff extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) {
            Account account = account(accounts, address);
            boolean ended = new AccountRules(storage).endVacation(account.id());
            System.out.println(account.address() + (ended ? ": out-of-office ended" : " had no out-of-office"));
            return 0;
        }
    }

    private static String describe(Account account, OutOfOffice v) {
        return account.address() + ": out of office " + (v.from() == null ? "from now" : "from " + v.from())
                + (v.until() == null ? " until turned off" : " until " + v.until()) + ", each sender answered once in " + v.days() + " days"
                + (v.subject() == null ? "" : ", subject \"" + v.subject() + "\"") + (v.keeps() == null ? "" : "; rules kept: " + v.keeps());
    }

    private static LocalDate date(String text) {
        try {
            return text == null ? null : LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a date (YYYY-MM-DD): " + text);
        }
    }
}
