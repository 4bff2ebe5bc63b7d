package mailroom.server;

import mailroom.storage.Accounts;
import mailroom.storage.sharing.Shares;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;


/**
 * `mailroom share` and `mailroom group`: mailboxes shared between accounts (RFC 4314 rights) and
 * the groups of accounts they may be shared with. The same as IMAP's SETACL, for an administrator.
 */
final class SharingCommands {
    private SharingCommands() {}

    @Command(name = "share", description = "Share MAILBOX (ADDRESS/FOLDER, or ADDRESS for its INBOX) --with an address, $group, "
            + "anyone or authenticated, giving --rights (letters of lrswipkxtea: l see, r read, s keep \\Seen, w flags, i add, "
            + "p post and send as the account, k create below, x delete, t mark deleted, e expunge, a administer); "
            + "--rights none takes them away. Without --with, shows who has what.")
    static final class Share extends Main.StorageCommand {
        @Parameters(paramLabel = "MAILBOX")
        String mailbox;
        @Option(names = "--with", paramLabel = "IDENTIFIER")
        String with;
        @Option(names = "--rights", paramLabel = "RIGHTS")
        String rights;
        @Option(names = "--seen", paramLabel = "shared|private", description = "one \\Seen for everybody, or one per reader (the default)")
        String seen;

        @Override
        int run(Accounts accounts) {
            var shares = new Shares(accounts);
            var target = shares.mailbox(mailbox);
            if (seen != null) {
                if (!seen.equals("shared") && !seen.equals("private")) throw new IllegalArgumentException("--seen is shared or private, not " + seen);
                shares.setSharedSeen(target, seen.equals("shared"));
            }
            if (with != null) {
                if (rights == null) throw new IllegalArgumentException("--with needs --rights (or --rights none)");
                var stored = shares.share(target, with, rights);
                System.out.println(target.spec() + ": " + with + (stored.isEmpty() ? " has no rights" : " may " + stored.letters()));
                return 0;
            }
            System.out.println(target.spec() + " (owner " + target.owner().address() + ", \\Seen " + (shares.sharedSeen(target) ? "shared" : "per reader") + ")");
            shares.list(target).forEach((id, r) -> System.out.printf("  %-32s %s%n", id, r.letters()));
            return 0;
        }
    }

    @Command(name = "group", description = "Groups of accounts, named $NAME in sharing.",
            subcommands = {Group.Add.class, Group.Remove.class, Group.List.class, Group.Delete.class})
    static final class Group {
        @Command(name = "add", description = "Create group NAME if needed and add the MEMBERs (addresses).")
        static final class Add extends Main.StorageCommand {
            @Parameters(index = "0", paramLabel = "NAME")
            String name;
            @Parameters(index = "1..*", paramLabel = "MEMBER", arity = "0..*")
            java.util.List<String> members = java.util.List.of();

            @Override
            int run(Accounts accounts) {
                new Shares(accounts).addToGroup(name, members);
                System.out.println("group " + name + ": " + String.join(" ", new Shares(accounts).groups().get(name)));
                return 0;
            }
        }

        @Command(name = "remove", description = "Take the MEMBERs out of group NAME.")
        static final class Remove extends Main.StorageCommand {
            @Parameters(index = "0", paramLabel = "NAME")
            String name;
            @Parameters(index = "1..*", paramLabel = "MEMBER", arity = "1..*")
            java.util.List<String> members;

            @Override
            int run(Accounts accounts) {
                new Shares(accounts).removeFromGroup(name, members);
                System.out.println("group " + name + ": " + String.join(" ", new Shares(accounts).groups().get(name)));
                return 0;
            }
        }

        @Command(name = "list", description = "Every group and its members.")
        static final class List extends Main.StorageCommand {
            @Override
            int run(Accounts accounts) {
                var groups = new Shares(accounts).groups();
                if (groups.isEmpty()) System.out.println("no groups");
                groups.forEach((name, members) -> System.out.println(name + ": " + String.join(" ", members)));
                return 0;
            }
        }

        @Command(name = "delete", description = "Delete group NAME; what was shared with it is no longer.")
        static final class Delete extends Main.StorageCommand {
            @Parameters(paramLabel = "NAME")
            String name;

            @Override
            int run(Accounts accounts) {
                new Shares(accounts).deleteGroup(name);
                System.out.println("deleted group " + name);
                return 0;
            }
        }
    }
}
