package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import mailroom.core.net.LineTooLongException;
import mailroom.core.protocol.CommandTable;
import mailroom.storage.Account;
import mailroom.storage.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static mailroom.smtp.SmtpSession.State.CONNECTED;
import static mailroom.smtp.SmtpSession.State.GREETED;
import static mailroom.smtp.SmtpSession.State.MAIL;
import static mailroom.smtp.SmtpSession.State.RCPT;

/**
 * The SMTP commands of the receiving (MX) side, one handler each, in a table with the states they
 * are valid in and the EHLO keywords they bring. RFC 5321 unless noted.
 */
final class SmtpCommands {
    private static final Logger log = LoggerFactory.getLogger(SmtpCommands.class);
    private static final Set<SmtpSession.State> ANY = EnumSet.allOf(SmtpSession.State.class);
    private static final Set<SmtpSession.State> AFTER_HELO = EnumSet.of(GREETED, MAIL, RCPT);

    @FunctionalInterface
    interface Handler {
        /** Returns the reply, or null when the handler has already answered. */
        Reply handle(SmtpSession session, String argument) throws SmtpException, IOException;
    }

    /** A handler and the EHLO keywords it brings, given the session (STARTTLS only before TLS). */
    record Command(Handler handler, Function<SmtpSession, List<String>> keywords) {
        static Command of(Handler handler) {
            return new Command(handler, s -> List.of());
        }
    }

    static final CommandTable<SmtpSession.State, Command> TABLE = new CommandTable<SmtpSession.State, Command>()
            .add("EHLO", ANY, new Command(SmtpCommands::ehlo, s -> List.of("PIPELINING", "ENHANCEDSTATUSCODES")))
            .add("HELO", ANY, Command.of(SmtpCommands::helo))
            .add("STARTTLS", EnumSet.of(CONNECTED, GREETED), new Command(SmtpCommands::startTls,
                    s -> s.connection.isTls() || s.server.tls == null ? List.of() : List.of("STARTTLS")))
            .add("MAIL", EnumSet.of(GREETED), new Command(SmtpCommands::mail,
                    s -> List.of("SIZE " + s.server.settings.maxMessageSize, "8BITMIME", "SMTPUTF8")))
            .add("RCPT", EnumSet.of(MAIL, RCPT), Command.of(SmtpCommands::rcpt))
            .add("DATA", EnumSet.of(RCPT), Command.of(SmtpCommands::data))
            .add("RSET", ANY, Command.of(SmtpCommands::rset))
            .add("NOOP", ANY, Command.of((s, arg) -> Reply.OK))
            .add("QUIT", ANY, Command.of((s, arg) -> Reply.of(221, "2.0.0", s.server.hostname + " Bye")))
            .add("VRFY", ANY, Command.of((s, arg) -> Reply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")))
            .add("EXPN", ANY, Command.of((s, arg) -> Reply.of(502, "5.5.1", "EXPN not available")))
            .add("HELP", ANY, Command.of(SmtpCommands::help));

    /** RFC 5322 section 3.3 date-time with a numeric zone. */
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private SmtpCommands() {}

    static Reply ehlo(SmtpSession s, String domain) throws SmtpException {
        greet(s, domain, true);
        List<String> lines = new ArrayList<>();
        lines.add(s.server.hostname + " greets " + domain);
        for (var entry : TABLE.entries()) lines.addAll(entry.handler().keywords().apply(s));
        return Reply.plain(250, lines);
    }

    static Reply helo(SmtpSession s, String domain) throws SmtpException {
        greet(s, domain, false);
        return Reply.of(250, null, s.server.hostname);
    }

    private static void greet(SmtpSession s, String domain, boolean extended) throws SmtpException {
        if (domain.isBlank() || domain.contains(" ")) throw new SmtpException(501, "5.5.4", "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname");
        s.resetTransaction();
        s.heloName = domain;
        s.extended = extended;
        s.state = GREETED;
    }

    /** RFC 3207: answer 220, then handshake; the session starts over, unauthenticated and ungreeted. */
    static Reply startTls(SmtpSession s, String argument) throws SmtpException, IOException {
        if (s.server.tls == null) throw new SmtpException(454, "4.7.0", "TLS not available");
        if (s.connection.isTls()) throw new SmtpException(503, "5.5.1", "Already using TLS");
        if (!argument.isEmpty()) throw new SmtpException(501, "5.5.4", "Syntax: STARTTLS");
        s.send(Reply.of(220, "2.0.0", "Ready to start TLS"));
        s.connection.startTls(s.server.tls);
        s.resetTransaction();
        s.heloName = null;
        s.state = CONNECTED;
        return null;
    }

    static Reply mail(SmtpSession s, String argument) throws SmtpException {
        var path = SmtpCodec.parsePath(argument, "FROM", true, false)
                .orElseThrow(() -> new SmtpException(501, "5.1.7", "Syntax: MAIL FROM:<address> [parameters]"));
        long declaredSize = 0;
        for (var param : path.params().entrySet()) {
            switch (param.getKey()) {
                case "SIZE" -> {
                    long declared = parseSize(param.getValue());
                    declaredSize = declared;
                    if (declared > s.server.settings.maxMessageSize) {
                        throw new SmtpException(552, "5.3.4", "Message size exceeds fixed limit of " + s.server.settings.maxMessageSize);
                    }
                }
                case "BODY" -> {
                    String body = param.getValue().toUpperCase(Locale.ROOT);
                    if (!body.equals("7BIT") && !body.equals("8BITMIME")) throw new SmtpException(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
                }
                case "SMTPUTF8" -> {
                    if (!param.getValue().isEmpty()) throw new SmtpException(501, "5.5.4", "SMTPUTF8 takes no value");
                }
                default -> throw new SmtpException(555, "5.5.4", "Unsupported parameter " + param.getKey());
            }
        }
        s.sender = path;
        s.declaredSize = declaredSize;
        s.state = MAIL;
        return Reply.of(250, "2.1.0", "Sender ok");
    }

    private static long parseSize(String value) throws SmtpException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new SmtpException(501, "5.5.4", "SIZE must be a number");
        }
    }

    /**
     * Accepts local recipients only: nobody relays through this port (RFC 5321 section 3.6.2). Tricks
     * such as "user%other@local", quoted "user@other"@local or "other!user@local" are ordinary local
     * parts here, so they find no account and are refused like any unknown user.
     */
    static Reply rcpt(SmtpSession s, String argument) throws SmtpException {
        if (s.recipients.size() >= s.server.settings.maxRecipients) throw new SmtpException(452, "4.5.3", "Too many recipients");
        boolean utf8 = s.sender.params().containsKey("SMTPUTF8");
        Optional<Account> account;
        EmailAddress address;
        if (SmtpCodec.isBarePostmaster(argument)) {
            account = s.server.delivery.postmaster();
            address = new EmailAddress("postmaster", s.server.hostname);
        } else {
            var path = SmtpCodec.parsePath(argument, "TO", false, utf8)
                    .orElseThrow(() -> new SmtpException(501, "5.1.3", "Syntax: RCPT TO:<address>"));
            if (!path.params().isEmpty()) throw new SmtpException(555, "5.5.4", "Unsupported parameter " + path.params().keySet().iterator().next());
            address = path.address();
            if (!s.server.delivery.isLocalDomain(address.domain())) throw new SmtpException(554, "5.7.1", "<" + path.raw() + ">: Relay access denied");
            account = s.server.delivery.recipient(address);
            if (account.isEmpty() && address.localPart().equalsIgnoreCase("postmaster")) account = s.server.delivery.postmaster();
        }
        if (account.isEmpty()) throw new SmtpException(550, "5.1.1", "<" + address + ">: Recipient address rejected: no such user");
        if (s.server.delivery.overQuota(account.get(), s.declaredSize)) {
            throw new SmtpException(452, "4.2.2", "<" + address + ">: Mailbox full, try again later");
        }
        s.recipients.add(account.get());
        s.recipientAddresses.add(address);
        s.state = RCPT;
        return Reply.of(250, "2.1.5", "Recipient ok");
    }

    /**
     * Reads the message into a new blob behind our trace headers, then files it. 250 is sent only
     * once the blob and the index rows are on disk.
     */
    static Reply data(SmtpSession s, String argument) throws SmtpException, IOException {
        if (!argument.isEmpty()) throw new SmtpException(501, "5.5.4", "Syntax: DATA");
        s.send(Reply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
        s.connection.flush();
        s.connection.setIdleTimeout(s.server.settings.dataTimeout);
        try (BlobStore.Writer blob = s.server.delivery.storage().blobs().create()) {
            OutputStream out = blob.stream();
            out.write(traceHeaders(s).getBytes(StandardCharsets.UTF_8));
            long limit = blob.size() + s.server.settings.maxMessageSize;
            boolean tooBig = false, lineTooLong = false;
            while (true) {
                byte[] line;
                try {
                    line = s.connection.readLine(s.server.settings.maxLineLength);
                } catch (LineTooLongException e) {
                    lineTooLong = true;
                    continue;
                }
                if (line == null) throw new IOException("connection closed during DATA");
                if (SmtpCodec.isEndOfData(line)) break;
                if (tooBig || lineTooLong) continue; // read on to the end, keep nothing
                int from = SmtpCodec.unstuffedOffset(line);
                out.write(line, from, line.length - from);
                out.write('\r');
                out.write('\n');
                tooBig = blob.size() > limit;
            }
            if (tooBig) throw new SmtpException(552, "5.3.4", "Message size exceeds fixed limit of " + s.server.settings.maxMessageSize);
            if (lineTooLong) throw new SmtpException(552, "5.3.4", "Message has a line longer than " + s.server.settings.maxLineLength + " octets");
            String blobId = blob.commit();
            var filed = s.server.delivery.file(blobId, s.recipients);
            log.info("delivered {} bytes from <{}> to {} as blob {} ({} copies)", blob.size(),
                    s.sender.isNullPath() ? "" : s.sender.address(), s.recipientAddresses, blobId.substring(0, 12), filed.size());
            return Reply.of(250, "2.0.0", "Ok: delivered as " + blobId.substring(0, 16));
        } finally {
            s.resetTransaction();
            s.connection.setIdleTimeout(s.server.settings.commandTimeout);
        }
    }

    /** Return-Path (RFC 5321 section 4.4) and a Received line saying who handed us the message. */
    private static String traceHeaders(SmtpSession s) {
        String protocol = (s.sender.params().containsKey("SMTPUTF8") ? "UTF8SMTP" : s.extended ? "ESMTP" : "SMTP")
                + (s.connection.isTls() ? "S" : "");
        String returnPath = s.sender.isNullPath() ? "<>" : "<" + s.sender.address() + ">";
        String forClause = s.recipientAddresses.size() == 1 ? "\r\n\tfor <" + s.recipientAddresses.get(0) + ">" : "";
        return "Return-Path: " + returnPath + "\r\n"
                + "Received: from " + s.heloName + " ([" + s.connection.remote().getAddress().getHostAddress() + "])\r\n"
                + "\tby " + s.server.hostname + " (Mailroom) with " + protocol + " id " + s.connection.id()
                + forClause + ";\r\n\t" + RFC5322_DATE.format(ZonedDateTime.now()) + "\r\n";
    }

    static Reply rset(SmtpSession s, String argument) {
        s.resetTransaction();
        return Reply.OK;
    }

    static Reply help(SmtpSession s, String argument) {
        String verbs = String.join(" ", TABLE.entries().stream().map(CommandTable.Entry::verb).toList());
        return Reply.of(214, "2.0.0", "Commands: " + verbs);
    }
}
