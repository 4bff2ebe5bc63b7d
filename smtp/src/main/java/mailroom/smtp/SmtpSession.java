package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.core.net.Connection;
import mailroom.core.net.LineTooLongException;
import mailroom.storage.Account;
import mailroom.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * One SMTP conversation: reads commands, dispatches them through {@link SmtpCommands#TABLE}, and
 * turns every outcome into a reply here and nowhere else. Replies are flushed only when the client
 * has nothing more pipelined (RFC 2920), so a pipelined batch costs one write.
 */
final class SmtpSession {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);
    /** RFC 5321 allows 512 octets for a command line; ESMTP parameters make longer ones legitimate. */
    static final int MAX_COMMAND_LINE = 4096;
    private static final int MAX_ERRORS = 20;

    enum State {
        /** Connected, no HELO/EHLO yet (or again after STARTTLS). */
        CONNECTED,
        /** Greeted; a mail transaction may start. */
        GREETED,
        /** MAIL accepted; waiting for recipients. */
        MAIL,
        /** At least one recipient accepted; DATA may follow. */
        RCPT
    }

    final SmtpServer server;
    final Connection connection;
    State state = State.CONNECTED;
    String heloName;
    boolean extended;
    // The mail transaction (RFC 5321 section 3.3), cleared by RSET, HELO/EHLO and after DATA.
    SmtpCodec.PathArgument sender;
    /** The SIZE the client declared at MAIL (RFC 1870), 0 when it did not. */
    long declaredSize;
    final List<Account> recipients = new ArrayList<>();
    final List<EmailAddress> recipientAddresses = new ArrayList<>();
    private int errors;

    SmtpSession(SmtpServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    void run() throws IOException {
        connection.setIdleTimeout(server.settings.commandTimeout);
        send(Reply.plain(220, List.of(server.hostname + " ESMTP Mailroom")));
        connection.flush();
        while (true) {
            Reply reply;
            try {
                String line = connection.readLineUtf8(MAX_COMMAND_LINE);
                if (line == null) return;
                reply = execute(line);
            } catch (LineTooLongException e) {
                reply = Reply.LINE_TOO_LONG;
            } catch (SocketTimeoutException e) {
                send(Reply.of(421, "4.4.2", server.hostname + " Timeout, closing connection"));
                connection.flush();
                throw e;
            }
            if (reply == null) continue; // the handler has answered itself (STARTTLS)
            if (!reply.isPositive() && ++errors >= MAX_ERRORS) {
                reply = Reply.of(421, "4.7.0", server.hostname + " Too many errors, closing connection");
            }
            send(reply);
            if (reply.closes()) {
                connection.flush();
                return;
            }
            if (!connection.hasBufferedInput()) connection.flush();
        }
    }

    /** Dispatches one command line; the single place where outcomes become replies. */
    private Reply execute(String line) throws IOException {
        var command = SmtpCodec.parseCommand(line);
        var entry = SmtpCommands.TABLE.lookup(command.verb());
        if (entry.isEmpty()) return Reply.UNKNOWN;
        if (!entry.get().states().contains(state)) return Reply.BAD_SEQUENCE;
        try {
            return entry.get().handler().handler().handle(this, command.argument());
        } catch (SmtpException e) {
            return e.reply();
        } catch (StorageException e) {
            log.error("storage failure during {}", command.verb(), e);
            return Reply.STORAGE_FAILURE;
        } catch (RuntimeException e) { // a bug must cost this command, not the session
            log.error("{} failed", command.verb(), e);
            return Reply.of(451, "4.3.0", "Internal error, try again later");
        }
    }

    void send(Reply reply) throws IOException {
        connection.write(reply.wire());
    }

    void resetTransaction() {
        sender = null;
        declaredSize = 0;
        recipients.clear();
        recipientAddresses.clear();
        if (state == State.MAIL || state == State.RCPT) state = State.GREETED;
    }
}
