package mailroom.server;

import mailroom.storage.Accounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;

/** `mailroom security`: the client networks blocked for failed logins, cluster-wide, and lifting a block. */
@Command(name = "security", description = "Login throttling: blocked addresses.",
        subcommands = {SecurityCommands.Blocked.class, SecurityCommands.Unblock.class})
final class SecurityCommands {
    private SecurityCommands() {}

    @Command(name = "blocked", description = "The client networks (IPv4 addresses, IPv6 /64s) blocked now for failed logins.")
    static final class Blocked extends Main.StorageCommand {
        @Override
        int run(Accounts accounts) {
            var blocks = accounts.security().logins().blocks();
            if (blocks.isEmpty()) {
                System.out.println("no address is blocked");
                return 0;
            }
            System.out.printf("%-24s %-20s %8s  %s%n", "NETWORK", "UNTIL", "FAILURES", "LAST TRIED");
            Instant now = Instant.now();
            for (var b : blocks) {
                String until = b.until().toString().replaceFirst("\\.\\d+Z$", "Z") + " (" + Math.max(1, (b.until().getEpochSecond() - now.getEpochSecond()) / 60) + "m)";
                System.out.printf("%-24s %-20s %8d  %s (%s)%n", b.network(), until, b.failures(), b.lastLogin(), b.lastProtocol());
            }
            return 0;
        }
    }

    @Command(name = "unblock", description = "Lift the block of ADDRESS's network (an IPv6 address stands for its /64) and forget its failures.")
    static final class Unblock extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) {
            if (!accounts.security().logins().unblock(address)) throw new IllegalArgumentException("no block or failures for " + address);
            System.out.println("unblocked " + address);
            return 0;
        }
    }
}
