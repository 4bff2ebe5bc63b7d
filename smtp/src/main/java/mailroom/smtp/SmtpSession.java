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
 * One SMTP, submission or LMTP conversation: reads commands, dispatches them through
 * {@link SmtpCommands#TABLE}, and turns every outcome into a reply here and nowhere else. Replies
 * are flushed only when the client has nothing more pipelined (RFC 2920), so a pipelined batch
 * costs one write.
 */
final class SmtpSession {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);
    /** The longest line read; each command's own limit is {@link SmtpCodec#commandLineLimit}. */
    static final int MAX_COMMAND_LINE = SmtpCodec.MAX_AUTH_LINE;
    private static final int MAX_ERRORS = 20;

    enum State {
        /** Connected, no HELO/EHLO/LHLO yet (or again after STARTTLS). */
        CONNECTED,
        /** Greeted; a mail transaction may start. */
        GREETED,
        /** MAIL accepted; waiting for recipients. */
        MAIL,
        /** At least one recipient accepted; DATA or BDAT may follow. */
        RCPT
    }

    /** A recipient accepted at RCPT: as given, what it expands to, and its RFC 3461 parameters. */
    record Accepted(EmailAddress address, List<String> deliverTo, String notifyOn, String orcpt) {}

    final SmtpServer server;
    final Connection connection;
    State state = State.CONNECTED;
    String heloName;
    boolean extended;
    /** The account that authenticated (submission), or null. */
    Account user;
    // The mail transaction (RFC 5321 section 3.3), cleared by RSET, HELO/EHLO and after DATA/BDAT LAST.
    SmtpCodec.PathArgument sender;
    /** The SIZE the client declared at MAIL (RFC 1870), 0 when it did not. */
    long declaredSize;
    String envid, ret;
    /** LMTP's XQUEUE: the sorter's queue entry token, which makes filing idempotent across retries. */
    String onceToken;
    final List<Accepted> recipients = new ArrayList<>();
    /** The message so far while BDAT chunks arrive (RFC 3030); null otherwise. */
    Spool chunks;
    /** A BDAT chunk was refused; the rest of the chunks are read and dropped until LAST. */
    boolean chunksFailed;
    private int errors;

    SmtpSession(SmtpServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    void run() throws IOException {
        connection.setIdleTimeout(server.settings.commandTimeout);
        send(Reply.plain(220, List.of(server.hostname + " " + server.mode.greeting)));
        connection.flush();
        try {
            while (true) {
                List<Reply> replies;
                try {
                    byte[] line = connection.readLine(MAX_COMMAND_LINE);
                    if (line == null) return;
                    replies = execute(new String(line, java.nio.charset.StandardCharsets.UTF_8), line.length);
                } catch (LineTooLongException e) {
                    replies = List.of(Reply.LINE_TOO_LONG);
                } catch (SocketTimeoutException e) {
                    send(Reply.of(421, "4.4.2", server.hostname + " Timeout, closing connection"));
                    connection.flush();
                    throw e;
                }
                for (Reply reply : replies) {
                    if (!reply.isPositive() && ++errors >= MAX_ERRORS) {
                        reply = Reply.of(421, "4.7.0", server.hostname + " Too many errors, closing connection");
                    }
                    send(reply);
                    if (reply.closes()) {
                        connection.flush();
                        return;
                    }
                }
                if (!connection.hasBufferedInput()) connection.flush();
            }
        } finally {
            resetTransaction();
        }
    }

    /** Dispatches one command line; the single place where outcomes become replies. */
    private List<Reply> execute(String line, int octets) throws IOException {
        var command = SmtpCodec.parseCommand(line);
        if (octets > SmtpCodec.commandLineLimit(command.verb())) return List.of(Reply.LINE_TOO_LONG);
        var entry = SmtpCommands.TABLE.lookup(command.verb()).filter(e -> e.handler().modes().contains(server.mode));
        mailroom.core.metrics.Meters.command(server.mode.name().toLowerCase(java.util.Locale.ROOT), entry.isPresent() ? command.verb() : "unknown");
        if (entry.isEmpty()) return List.of(Reply.UNKNOWN);
        if (!entry.get().states().contains(state)) return List.of(Reply.BAD_SEQUENCE);
        try {
            return entry.get().handler().handler().handle(this, command.argument());
        } catch (SmtpException e) {
            return List.of(e.reply());
        } catch (StorageException e) {
            log.error("storage failure during {}", command.verb(), e);
            return List.of(Reply.STORAGE_FAILURE);
        } catch (RuntimeException e) { // a bug must cost this command, not the session
            log.error("{} failed", command.verb(), e);
            return List.of(Reply.of(451, "4.3.0", "Internal error, try again later"));
        }
    }

    void send(Reply reply) throws IOException {
        connection.write(reply.wire());
    }

    /** Whether this session may use a mechanism that sends a password: only over TLS (RFC 6409 and 8314). */
    boolean mayAuthenticate() {
        return connection.isTls();
    }

    void resetTransaction() {
        sender = null;
        declaredSize = 0;
        envid = ret = onceToken = null;
        recipients.clear();
        chunksFailed = false;
        if (chunks != null) {
            try {
                chunks.close();
            } catch (IOException e) {
                log.warn("removing a spooled message: {}", e.getMessage());
            }
            chunks = null;
        }
        if (state == State.MAIL || state == State.RCPT) state = State.GREETED;
    }
}
