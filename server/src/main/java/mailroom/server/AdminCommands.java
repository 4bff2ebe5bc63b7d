package mailroom.server;

import mailroom.admin.AdminAuth;
import mailroom.storage.Accounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `mailroom admin`: who may use the admin API and console, and tokens for scripts. */
@Command(name = "admin", description = "Administrators and API tokens.",
        subcommands = {AdminCommands.Grant.class, AdminCommands.Revoke.class, AdminCommands.Token.class})
final class AdminCommands {
    private AdminCommands() {}

    private static int setAdmin(Accounts accounts, String address, boolean admin) {
        var account = accounts.find(address).orElseThrow(() -> new IllegalArgumentException("no account " + address));
        accounts.storage().directory().setAdmin(account.id(), admin);
        System.out.println(account.address() + (admin ? " is an administrator" : " is no longer an administrator"));
        return 0;
    }

    @Command(name = "grant", description = "Let an account use the admin API and console (with its mail password).")
    static final class Grant extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) {
            return setAdmin(accounts, address, true);
        }
    }

    @Command(name = "revoke", description = "Take administration away from an account.")
    static final class Revoke extends Main.StorageCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Accounts accounts) {
            return setAdmin(accounts, address, false);
        }
    }

    @Command(name = "token", description = "Bearer tokens for scripts.", subcommands = {Token.Create.class, Token.List.class, Token.Delete.class})
    static final class Token {
        @Command(name = "create", description = "Make a token; it is shown once (send it as: Authorization: Bearer TOKEN).")
        static final class Create extends Main.StorageCommand {
            @Parameters(paramLabel = "NAME")
            String name;

            @Override
            int run(Accounts accounts) {
                System.out.println(AdminAuth.createToken(storage.directory(), name));
                return 0;
            }
        }

        @Command(name = "list", description = "The tokens' names.")
        static final class List extends Main.StorageCommand {
            @Override
            int run(Accounts accounts) {
                storage.directory().adminTokens().forEach(System.out::println);
                return 0;
            }
        }

        @Command(name = "delete", description = "Revoke a token.")
        static final class Delete extends Main.StorageCommand {
            @Parameters(paramLabel = "NAME")
            String name;

            @Override
            int run(Accounts accounts) {
                if (!storage.directory().deleteAdminToken(name)) throw new IllegalArgumentException("no token " + name);
                System.out.println("deleted token " + name);
                return 0;
            }
        }
    }
}
