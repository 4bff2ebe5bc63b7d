package mailroom.server;

import mailroom.core.config.Config;
import mailroom.storage.DatabaseMember;
import mailroom.storage.postgres.DatabaseCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * `mailroom db`: the replicated database behind a cluster. These commands do not open the storage,
 * which needs a primary: they ask each member's Patroni (or the member itself), so they work in
 * the middle of a failover too.
 */
@Command(name = "db", description = "The cluster's database members: status and planned switchover.",
        subcommands = {DatabaseCommands.Status.class, DatabaseCommands.Switchover.class})
final class DatabaseCommands {

    /** One line per member: name, address, role, state and replication lag. */
    static void print(List<DatabaseMember> members) {
        System.out.printf("%-12s %-22s %-12s %-24s %s%n", "DATABASE", "ADDRESS", "ROLE", "STATE", "LAG");
        for (var m : members) {
            String lag = m.lagBytes() < 0 ? "?" : m.lagBytes() + " B";
            System.out.printf("%-12s %-22s %-12s %-24s %s%n", m.name(), m.address(), m.role(), m.state(), lag);
        }
    }

    /** The cluster of the configured PostgreSQL URL; one clear line when the node runs on embedded storage. */
    static DatabaseCluster cluster(Config c) {
        if (!c.storage.backend.equals("postgres")) throw new IllegalArgumentException("this node uses embedded storage (storage.backend = \"sqlite\"): there are no database members");
        String password = System.getenv().getOrDefault("MAILROOM_DB_PASSWORD", c.storage.password);
        return DatabaseCluster.of(c.storage.url, c.storage.user, password, c.storage.patroniPort);
    }

    @Command(name = "status", description = "Each database member with its role (primary or standby) and replication lag.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Main.ConfigOption config;

        @Override
        public Integer call() {
            var members = cluster(config.load()).members();
            print(members);
            return members.stream().anyMatch(DatabaseMember::primary) ? 0 : 1;
        }
    }

    @Command(name = "switchover", description = "Move the primary to another member (through Patroni) while mail flows.")
    static final class Switchover implements Callable<Integer> {
        @Mixin
        Main.ConfigOption config;
        @Option(names = "--to", paramLabel = "MEMBER", description = "the member to become primary (default: the synchronous standby)")
        String candidate;

        @Override
        public Integer call() {
            var cluster = cluster(config.load());
            System.out.println(cluster.switchover(candidate));
            print(cluster.members());
            return 0;
        }
    }
}
