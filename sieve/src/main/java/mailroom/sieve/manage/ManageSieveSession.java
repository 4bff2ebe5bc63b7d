package mailroom.sieve.manage;

import mailroom.core.net.Connection;
import mailroom.core.net.LineTooLongException;
import mailroom.storage.Account;
import mailroom.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * One ManageSieve conversation: reads commands, dispatches through {@link ManageSieveCommands#TABLE},
 * and turns every outcome into OK, NO or BYE here.
 */
final class ManageSieveSession {
    private static final Logger log = LoggerFactory.getLogger(ManageSieveSession.class);
    /** Consecutive refused commands before we hang up on what is likely not a Sieve client. */
    private static final int MAX_ERRORS = 20;

    enum State { NOT_AUTHENTICATED, AUTHENTICATED }

    final ManageSieveServer server;
    final Connection connection;
    State state = State.NOT_AUTHENTICATED;
    Account account;
    boolean logout;
    private int errors;

    ManageSieveSession(ManageSieveServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    void run() throws IOException {
        connection.setIdleTimeout(server.settings.idleTimeout);
        ManageSieveCommands.capabilities(this);
        connection.write(ManageSieveCodec.response("OK", null, server.hostname + " Mailroom ManageSieve ready"));
        connection.flush();
        while (!logout) {
            ManageSieveCodec.Command command;
            try {
                command = ManageSieveCodec.read(connection, server.settings.maxScriptSize, server.settings.maxScriptSize * 16);
                if (command == null) return;
                execute(command);
            } catch (ManageSieveException e) {
                no(e);
            } catch (LineTooLongException e) {
                no(new ManageSieveException(null, "Line too long"));
            } catch (SocketTimeoutException e) {
                connection.write(ManageSieveCodec.response("BYE", null, "Idle timeout, closing connection"));
                connection.flush();
                return;
            }
            if (errors >= MAX_ERRORS) {
                connection.write(ManageSieveCodec.response("BYE", null, "Too many errors, closing connection"));
                logout = true;
            }
            if (logout || !connection.hasBufferedInput()) connection.flush();
        }
    }

    private void execute(ManageSieveCodec.Command command) throws IOException, ManageSieveException {
        var entry = ManageSieveCommands.TABLE.lookup(command.name());
        mailroom.core.metrics.Meters.command("managesieve", entry.isPresent() ? command.name() : "unknown");
        if (entry.isEmpty()) throw new ManageSieveException(null, "Unknown command " + command.name());
        if (!entry.get().states().contains(state))
            throw new ManageSieveException(null, state == State.NOT_AUTHENTICATED ? "Authenticate first" : "Already authenticated");
        try {
            entry.get().handler().handle(this, command);
            errors = 0;
        } catch (StorageException e) {
            log.error("storage failure during {}", command.name(), e);
            throw new ManageSieveException("TRYLATER", "Temporary failure, try again later");
        } catch (RuntimeException e) { // a bug must cost this command, not the session
            log.error("{} failed", command.name(), e);
            throw new ManageSieveException(null, "Internal error");
        }
    }

    void ok(String code, String text) throws IOException {
        connection.write(ManageSieveCodec.response("OK", code, text));
    }

    private void no(ManageSieveException e) throws IOException {
        errors++;
        connection.write(ManageSieveCodec.response("NO", e.code(), e.getMessage()));
    }
}
