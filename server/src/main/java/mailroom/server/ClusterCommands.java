package mailroom.server;

import mailroom.directory.ClusterAdmin;
import mailroom.storage.Accounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The cluster from the command line: `route`, `store` and `status`. Each opens the shared storage
 * beside the running nodes and calls {@link ClusterAdmin}, as the admin API does; the directors'
 * DNS follows each change within a second.
 */
final class ClusterCommands {
    private ClusterCommands() {}

    /** A command with the cluster's administration at hand. */
    abstract static class AdminCommand extends Main.StorageCommand {
        ClusterAdmin admin() {
            return new ClusterAdmin(storage.directory(), loaded.director.nodeTimeout, Clock.systemUTC());
        }

        @Override
        final int run(Accounts accounts) {
            return run(admin());
        }

        abstract int run(ClusterAdmin admin);

        static void printMoves(Map<String, String> moves) {
            if (moves.isEmpty()) System.out.println("nothing to move");
            moves.forEach((key, store) -> System.out.println("mail" + key + " -> " + store));
        }
    }

    @Command(name = "route", description = "Which store serves which accounts.", subcommands = {Route.Show.class, Route.Move.class, Route.Rebalance.class})
    static final class Route {
        @Command(name = "show", description = "Every letter's store, and the accounts routed apart from their letter.")
        static final class Show extends AdminCommand {
            @Override
            int run(ClusterAdmin admin) {
                admin.routes().forEach((key, store) -> System.out.printf("mail%s  %s%n", key, store));
                admin.accountRoutes().forEach((address, store) -> System.out.printf("%s  %s%n", address, store));
                return 0;
            }
        }

        @Command(name = "move", description = "Send letters (--letters a-m) or one account (--account ADDRESS) to another store.")
        static final class Move extends AdminCommand {
            @Option(names = "--letters", paramLabel = "LETTERS", description = "a letter, a range, a list (a-m, a,c,x-z), 0 for names not starting with a-z, or all")
            String letters;
            @Option(names = "--account", paramLabel = "ADDRESS", description = "one account; --to letter sends it back to its letter's store")
            String account;
            @Option(names = "--to", required = true, paramLabel = "STORE")
            String store;

            @Override
            int run(ClusterAdmin admin) {
                if ((letters == null) == (account == null)) throw new IllegalArgumentException("give --letters or --account (one of them)");
                if (letters != null) {
                    admin.moveKeys(letters, store);
                    System.out.println("mail" + String.join(", mail", ClusterAdmin.parseKeys(letters)) + " -> " + store);
                } else {
                    admin.moveAccount(account, store);
                    System.out.println(account + " -> " + store);
                }
                return 0;
            }
        }

        @Command(name = "rebalance", description = "Spread the letters over the serving stores by number of accounts.")
        static final class Rebalance extends AdminCommand {
            @Override
            int run(ClusterAdmin admin) {
                printMoves(admin.rebalance());
                return 0;
            }
        }
    }

    @Command(name = "store", description = "Add, drain and undrain stores.", subcommands = {Store.Add.class, Store.Drain.class, Store.Undrain.class})
    static final class Store {
        @Command(name = "add", description = "Register a store before it first starts (then: route rebalance).")
        static final class Add extends AdminCommand {
            @Parameters(index = "0", paramLabel = "NAME")
            String name;
            @Parameters(index = "1", paramLabel = "ADDRESS")
            String address;

            @Override
            int run(ClusterAdmin admin) {
                admin.addStore(name, address);
                System.out.println("added store " + name + " at " + address + "; it serves once it runs and routes point to it (route rebalance)");
                return 0;
            }
        }

        @Command(name = "drain", description = "Move a store's letters to the other stores now; its open sessions keep working.")
        static final class Drain extends AdminCommand {
            @Parameters(paramLabel = "STORE")
            String name;

            @Override
            int run(ClusterAdmin admin) {
                printMoves(admin.drain(name));
                return 0;
            }
        }

        @Command(name = "undrain", description = "Let a drained store take letters again.")
        static final class Undrain extends AdminCommand {
            @Parameters(paramLabel = "STORE")
            String name;

            @Override
            int run(ClusterAdmin admin) {
                admin.undrain(name);
                System.out.println(name + " takes routes again; route rebalance gives it some");
                return 0;
            }
        }
    }

    @Command(name = "status", description = "The cluster at a glance: nodes, health, letters and accounts.")
    static final class Status extends AdminCommand {
        @Override
        int run(ClusterAdmin admin) {
            Instant now = Instant.now();
            System.out.printf("%-12s %-28s %-16s %-9s %-9s %8s  %s%n", "NODE", "ROLES", "ADDRESS", "STATE", "HEARD", "ACCOUNTS", "LETTERS");
            for (var s : admin.nodes()) {
                var n = s.node();
                String state = !s.alive() ? "DOWN" : n.draining() ? "draining" : "up";
                long ago = Duration.between(n.heartbeat(), now).toSeconds();
                String heard = n.heartbeat().equals(Instant.EPOCH) ? "never" : ago + "s ago";
                String letters = s.keys().isEmpty() ? "" : String.join("", s.keys());
                String extra = s.accountsRoutedHere() > 0 ? " +" + s.accountsRoutedHere() + " routed" : "";
                System.out.printf("%-12s %-28s %-16s %-9s %-9s %8d  %s%s%n", n.name(), String.join(",", n.roles()), n.address(), state, heard,
                        s.accounts(), letters, extra);
            }
            var members = storage.databaseMembers();
            if (!members.isEmpty()) {
                System.out.println();
                DatabaseCommands.print(members);
            }
            return 0;
        }
    }
}
