package mailroom.pop3;

import mailroom.core.net.Connection;
import mailroom.core.net.LineTooLongException;
import mailroom.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * One POP3 conversation (RFC 1939): dispatches through {@link Pop3Commands#TABLE} and turns every
 * outcome into "+OK" or "-ERR" here. Responses are flushed only when nothing more is pipelined
 * (RFC 2449 PIPELINING).
 */
final class Pop3Session {
    private static final Logger log = LoggerFactory.getLogger(Pop3Session.class);
    /** RFC 2449 section 4: a command line is at most 255 octets, its CRLF included (RFC 5034 keeps AUTH within it too). */
    static final int MAX_COMMAND_LINE = 255 - 2;
    /** A SASL response sent after "+ " is not a command; RFC 5034 sets no limit, we allow this much. */
    static final int MAX_LINE = 8192;
    /** Consecutive refused commands before we hang up on what is likely not a mail client. */
    private static final int MAX_ERRORS = 20;

    enum State { AUTHORIZATION, TRANSACTION }

    final Pop3Server server;
    final Connection connection;
    State state = State.AUTHORIZATION;
    /** The name given by USER, waiting for PASS. */
    String pendingUser;
    Maildrop maildrop;
    boolean quit;
    /** Ends this session's place under the per-account-and-address limit; set at login. */
    Runnable endSession = () -> {};
    private int errors;

    Pop3Session(Pop3Server server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    void run() throws IOException {
        connection.setIdleTimeout(server.settings.idleTimeout);
        connection.write("+OK " + server.hostname + " Mailroom POP3 ready\r\n");
        connection.flush();
        while (!quit) {
            try {
                String line = connection.readLineUtf8(MAX_COMMAND_LINE);
                if (line == null) return; // the client went away: no UPDATE state, nothing is deleted
                execute(line);
            } catch (LineTooLongException e) {
                error("Command line too long (255 octets at most)");
            } catch (SocketTimeoutException e) {
                connection.write("-ERR Idle timeout, closing connection\r\n");
                connection.flush();
                throw e;
            }
            if (errors >= MAX_ERRORS) {
                connection.write("-ERR Too many errors, closing connection\r\n");
                quit = true;
            }
            if (quit || !connection.hasBufferedInput()) connection.flush();
        }
    }

    /** Dispatches one command line; the single place where outcomes become responses. */
    private void execute(String line) throws IOException {
        var command = Pop3Codec.parseCommand(line);
        var entry = Pop3Commands.TABLE.lookup(command.keyword());
        mailroom.core.metrics.Meters.command("pop3", entry.isPresent() ? command.keyword() : "unknown");
        if (entry.isEmpty() || command.keyword().isEmpty()) {
            error("Unknown command");
            return;
        }
        if (!entry.get().states().contains(state)) {
            error("Command not valid in this state");
            return;
        }
        try {
            entry.get().handler().handler().handle(this, command.argument());
            errors = 0;
        } catch (Pop3Exception e) {
            error(e.getMessage());
        } catch (StorageException e) {
            log.error("storage failure during {}", command.keyword(), e);
            error("[SYS/TEMP] Temporary failure, try again later");
        } catch (RuntimeException e) { // a bug must cost this command, not the session
            log.error("{} failed", command.keyword(), e);
            error("[SYS/TEMP] Internal error");
        }
    }

    void ok(String text) throws IOException {
        connection.write(text.isEmpty() ? "+OK\r\n" : "+OK " + text + "\r\n");
    }

    private void error(String text) throws IOException {
        errors++;
        connection.write("-ERR " + text + "\r\n");
    }
}
