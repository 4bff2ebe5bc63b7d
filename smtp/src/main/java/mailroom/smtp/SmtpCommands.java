package mailroom.smtp;

import mailroom.core.auth.SaslPlain;
import mailroom.core.auth.Scram;
import mailroom.core.mail.EmailAddress;
import mailroom.core.net.LineTooLongException;
import mailroom.core.protocol.CommandTable;
import mailroom.core.security.LimitExceeded;
import mailroom.core.security.LoginBlocked;
import mailroom.storage.Account;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static mailroom.smtp.SmtpServer.Mode.LMTP;
import static mailroom.smtp.SmtpServer.Mode.MX;
import static mailroom.smtp.SmtpServer.Mode.SUBMISSION;
import static mailroom.smtp.SmtpSession.State.CONNECTED;
import static mailroom.smtp.SmtpSession.State.GREETED;
import static mailroom.smtp.SmtpSession.State.MAIL;
import static mailroom.smtp.SmtpSession.State.RCPT;

/**
 * The commands of SMTP (RFC 5321), submission (RFC 6409) and LMTP (RFC 2033), one handler each, in
 * a table with the states and modes they are valid in and the EHLO keywords they bring.
 */
final class SmtpCommands {
    private static final Set<SmtpSession.State> ANY = EnumSet.allOf(SmtpSession.State.class);
    private static final Set<SmtpServer.Mode> ALL_MODES = EnumSet.allOf(SmtpServer.Mode.class);
    private static final Set<SmtpServer.Mode> SMTP_MODES = EnumSet.of(MX, SUBMISSION);

    @FunctionalInterface
    interface Handler {
        /** The replies: one, one per recipient (LMTP data), or none when the handler has answered itself. */
        List<Reply> handle(SmtpSession session, String argument) throws SmtpException, IOException;
    }

    /** A handler, the modes it exists in, and the EHLO keywords it brings given the session. */
    record Command(Handler handler, Set<SmtpServer.Mode> modes, Function<SmtpSession, List<String>> keywords) {
        static Command of(Handler handler) {
            return new Command(handler, ALL_MODES, s -> List.of());
        }
    }

    static final CommandTable<SmtpSession.State, Command> TABLE = new CommandTable<SmtpSession.State, Command>()
            .add("EHLO", ANY, new Command(SmtpCommands::ehlo, SMTP_MODES, s -> List.of("PIPELINING", "ENHANCEDSTATUSCODES")))
            .add("LHLO", ANY, new Command(SmtpCommands::ehlo, EnumSet.of(LMTP), s -> List.of("PIPELINING", "ENHANCEDSTATUSCODES", "XQUEUE")))
            .add("HELO", ANY, new Command(SmtpCommands::helo, SMTP_MODES, s -> List.of()))
            .add("STARTTLS", EnumSet.of(CONNECTED, GREETED), new Command(SmtpCommands::startTls, ALL_MODES,
                    s -> s.connection.isTls() || s.server.tls == null ? List.of() : List.of("STARTTLS")))
            .add("AUTH", EnumSet.of(GREETED), new Command(SmtpCommands::auth, EnumSet.of(SUBMISSION),
                    s -> s.mayAuthenticate() && s.user == null ? List.of("AUTH PLAIN LOGIN " + Scram.MECHANISM) : List.of()))
            .add("MAIL", EnumSet.of(GREETED), new Command(SmtpCommands::mail, ALL_MODES,
                    s -> List.of("SIZE " + s.server.settings.maxMessageSize, "8BITMIME", "SMTPUTF8")))
            .add("RCPT", EnumSet.of(MAIL, RCPT), new Command(SmtpCommands::rcpt, ALL_MODES,
                    s -> s.server.mode == LMTP ? List.of() : List.of("DSN")))
            .add("DATA", EnumSet.of(RCPT), Command.of(SmtpCommands::data))
            .add("BDAT", EnumSet.of(RCPT), new Command(SmtpCommands::bdat, ALL_MODES, s -> List.of("CHUNKING")))
            .add("RSET", ANY, Command.of((s, arg) -> {
                s.resetTransaction();
                return List.of(Reply.OK);
            }))
            .add("NOOP", ANY, Command.of((s, arg) -> List.of(Reply.OK)))
            .add("QUIT", ANY, Command.of((s, arg) -> List.of(Reply.of(221, "2.0.0", s.server.hostname + " Bye"))))
            .add("VRFY", ANY, Command.of((s, arg) -> List.of(Reply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"))))
            .add("EXPN", ANY, Command.of((s, arg) -> List.of(Reply.of(502, "5.5.1", "EXPN not available"))))
            .add("HELP", ANY, Command.of(SmtpCommands::help));

    private SmtpCommands() {}

    /** EHLO, and LMTP's LHLO which is the same but for the name (RFC 2033 section 4.1). */
    static List<Reply> ehlo(SmtpSession s, String domain) throws SmtpException {
        greet(s, domain, true);
        List<String> lines = new ArrayList<>();
        lines.add(s.server.hostname + " greets " + domain);
        for (var entry : TABLE.entries()) {
            if (entry.handler().modes().contains(s.server.mode)) lines.addAll(entry.handler().keywords().apply(s));
        }
        return List.of(Reply.plain(250, lines));
    }

    static List<Reply> helo(SmtpSession s, String domain) throws SmtpException {
        greet(s, domain, false);
        return List.of(Reply.of(250, null, s.server.hostname));
    }

    private static void greet(SmtpSession s, String domain, boolean extended) throws SmtpException {
        if (domain.isBlank() || domain.contains(" ")) throw new SmtpException(501, "5.5.4", "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname");
        s.resetTransaction();
        s.heloName = domain;
        s.extended = extended;
        s.state = GREETED;
    }

    /** RFC 3207: answer 220, then handshake; the session starts over, unauthenticated and ungreeted. */
    static List<Reply> startTls(SmtpSession s, String argument) throws SmtpException, IOException {
        if (s.server.tls == null) throw new SmtpException(454, "4.7.0", "TLS not available");
        if (s.connection.isTls()) throw new SmtpException(503, "5.5.1", "Already using TLS");
        if (!argument.isEmpty()) throw new SmtpException(501, "5.5.4", "Syntax: STARTTLS");
        s.send(Reply.of(220, "2.0.0", "Ready to start TLS"));
        s.connection.startTls(s.server.tls);
        s.resetTransaction();
        s.heloName = null;
        s.user = null;
        s.state = CONNECTED;
        return List.of();
    }

    /** RFC 4954 with the mechanisms PLAIN (RFC 4616), LOGIN and SCRAM-SHA-256 (RFC 7677). */
    static List<Reply> auth(SmtpSession s, String argument) throws SmtpException, IOException {
        if (s.user != null) throw new SmtpException(503, "5.5.1", "Already authenticated");
        if (!s.mayAuthenticate()) throw new SmtpException(538, "5.7.11", "Encryption required for requested authentication mechanism");
        String[] words = argument.split(" ", 2);
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        String initial = words.length > 1 ? words[1] : null;
        try {
            return authenticated(s, exchange(s, mechanism, initial));
        } catch (LoginBlocked e) {
            throw new SmtpException(454, "4.7.0", e.getMessage()); // RFC 4954: temporary authentication failure
        }
    }

    private static List<Reply> authenticated(SmtpSession s, Optional<Account> account) throws SmtpException {
        if (account.isEmpty()) throw new SmtpException(535, "5.7.8", "Authentication credentials invalid");
        s.user = account.get();
        return List.of(Reply.of(235, "2.7.0", "Authentication successful"));
    }

    /** Runs the SASL exchange of {@code mechanism}; every outcome passes the login gate (Accounts.authenticate). */
    private static Optional<Account> exchange(SmtpSession s, String mechanism, String initial) throws SmtpException, IOException {
        InetAddress client = s.connection.remote().getAddress();
        String protocol = s.server.mode.name().toLowerCase(Locale.ROOT);
        return switch (mechanism) {
            case "PLAIN" -> {
                String response = initial != null ? initial : challenge(s, "");
                var plain = SaslPlain.decode(response.equals("=") ? "" : response).orElseThrow(SmtpCommands::cannotDecode);
                if (!plain.authorizationId().isEmpty() && !plain.authorizationId().equalsIgnoreCase(plain.username())) {
                    throw new SmtpException(535, "5.7.8", "Authentication credentials invalid");
                }
                yield s.server.accounts.authenticate(plain.username(), plain.password(), client, protocol);
            }
            case "LOGIN" -> {
                String user = decode(initial != null ? initial : challenge(s, b64("Username:")));
                String password = decode(challenge(s, b64("Password:")));
                yield s.server.accounts.authenticate(user, password, client, protocol);
            }
            case Scram.MECHANISM -> {
                var scram = new Scram.Server(login -> s.server.accounts.find(login).map(Account::scram));
                String serverFirst = scram.challenge(decode(initial != null ? initial : challenge(s, ""))).orElse(null);
                if (serverFirst == null) yield s.server.accounts.authenticateProven(scramLogin(scram), false, client, protocol);
                String serverFinal = scram.verify(decode(challenge(s, b64(serverFirst)))).orElse(null);
                var account = s.server.accounts.authenticateProven(scram.username(), serverFinal != null, client, protocol);
                // RFC 4954: the client answers the last server data with an empty line
                if (account.isPresent()) challenge(s, b64(serverFinal));
                yield account;
            }
            default -> throw new SmtpException(504, "5.5.4", "Unrecognized authentication type");
        };
    }

    /** The user a SCRAM exchange named, or "" when its first message did not get that far. */
    private static String scramLogin(Scram.Server scram) {
        String user = scram.username();
        return user == null ? "" : user;
    }

    /** Sends a 334 challenge and reads the client's answer; "*" cancels the exchange. */
    private static String challenge(SmtpSession s, String data) throws SmtpException, IOException {
        s.send(Reply.plain(334, List.of(data)));
        s.connection.flush();
        String line;
        try {
            line = s.connection.readLineUtf8(SmtpSession.MAX_COMMAND_LINE);
        } catch (LineTooLongException e) {
            throw new SmtpException(500, "5.5.6", "Authentication exchange line is too long");
        }
        if (line == null) throw new IOException("connection closed during AUTH");
        if (line.strip().equals("*")) throw new SmtpException(501, "5.0.0", "Authentication cancelled");
        return line.strip();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String base64) throws SmtpException {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw cannotDecode();
        }
    }

    private static SmtpException cannotDecode() {
        return new SmtpException(501, "5.5.2", "Cannot decode response");
    }

    static List<Reply> mail(SmtpSession s, String argument) throws SmtpException {
        if (s.server.mode == SUBMISSION && s.user == null) throw new SmtpException(530, "5.7.0", "Authentication required");
        var path = SmtpCodec.parsePath(argument, "FROM", true, false)
                .orElseThrow(() -> new SmtpException(501, "5.1.7", "Syntax: MAIL FROM:<address> [parameters]"));
        var tooLong = SmtpCodec.pathTooLong(path);
        if (tooLong.isPresent()) throw new SmtpException(501, "5.1.3", tooLong.get());
        long declaredSize = 0;
        String envid = null, ret = null, onceToken = null;
        for (var param : path.params().entrySet()) {
            String value = param.getValue();
            switch (param.getKey()) {
                case "SIZE" -> {
                    declaredSize = parseSize(value);
                    if (declaredSize > s.server.settings.maxMessageSize) {
                        throw new SmtpException(552, "5.3.4", "Message size exceeds fixed limit of " + s.server.settings.maxMessageSize);
                    }
                }
                case "BODY" -> {
                    String body = value.toUpperCase(Locale.ROOT);
                    if (!body.equals("7BIT") && !body.equals("8BITMIME")) {
                        throw new SmtpException(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
                    }
                }
                case "SMTPUTF8" -> {
                    if (!value.isEmpty()) throw new SmtpException(501, "5.5.4", "SMTPUTF8 takes no value");
                }
                case "RET" -> { // RFC 3461 section 4.3
                    ret = value.toUpperCase(Locale.ROOT);
                    if (!ret.equals("FULL") && !ret.equals("HDRS")) throw new SmtpException(501, "5.5.4", "RET must be FULL or HDRS");
                }
                case "ENVID" -> {
                    envid = SmtpCodec.decodeXtext(value).filter(v -> v.length() <= 100)
                            .orElseThrow(() -> new SmtpException(501, "5.5.4", "ENVID must be xtext of at most 100 characters"));
                }
                case "XQUEUE" -> { // LMTP from a sorter: the queue entry's token, so a retried hand-off files nothing twice
                    if (s.server.mode != LMTP || !value.matches("[A-Za-z0-9-]{1,64}")) throw new SmtpException(555, "5.5.4", "Unsupported parameter XQUEUE");
                    onceToken = value;
                }
                default -> throw new SmtpException(555, "5.5.4", "Unsupported parameter " + param.getKey());
            }
        }
        s.server.intake.sender(s, path);
        if (s.user != null) sendingLimit(() -> s.server.accounts.security().sending().message(s.user.address()));
        s.sender = path;
        s.declaredSize = declaredSize;
        s.envid = envid;
        s.ret = ret;
        s.onceToken = onceToken;
        s.state = MAIL;
        return List.of(Reply.of(250, "2.1.0", "Sender ok"));
    }

    /** An authenticated sender's hourly limits (mailroom.core.security.SendingLimits): 451 4.7.1 beyond them. */
    private static void sendingLimit(Runnable count) throws SmtpException {
        try {
            count.run();
        } catch (LimitExceeded e) {
            throw new SmtpException(451, "4.7.1", e.getMessage());
        }
    }

    private static long parseSize(String value) throws SmtpException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new SmtpException(501, "5.5.4", "SIZE must be a number");
        }
    }

    /** Parses the path and its DSN parameters; what the address means is the intake's to decide. */
    static List<Reply> rcpt(SmtpSession s, String argument) throws SmtpException {
        if (s.recipients.size() >= s.server.settings.maxRecipients) throw new SmtpException(452, "4.5.3", "Too many recipients");
        boolean utf8 = s.sender.params().containsKey("SMTPUTF8");
        EmailAddress address;
        String notify = null, orcpt = null;
        if (SmtpCodec.isBarePostmaster(argument)) {
            address = new EmailAddress("postmaster", s.server.hostname); // RFC 5321 section 4.1.1.3
        } else {
            var path = SmtpCodec.parsePath(argument, "TO", false, utf8)
                    .orElseThrow(() -> new SmtpException(501, "5.1.3", "Syntax: RCPT TO:<address>"));
            var tooLong = SmtpCodec.pathTooLong(path);
            if (tooLong.isPresent()) throw new SmtpException(501, "5.1.3", tooLong.get());
            for (var param : path.params().entrySet()) {
                switch (param.getKey()) {
                    case "NOTIFY" -> notify = SmtpCodec.parseNotify(param.getValue())
                            .orElseThrow(() -> new SmtpException(501, "5.5.4", "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"));
                    case "ORCPT" -> orcpt = SmtpCodec.parseOrcpt(param.getValue())
                            .orElseThrow(() -> new SmtpException(501, "5.5.4", "ORCPT must be addr-type;xtext"));
                    default -> throw new SmtpException(555, "5.5.4", "Unsupported parameter " + param.getKey());
                }
            }
            address = path.address();
        }
        List<String> deliverTo = s.server.intake.recipient(s, address);
        if (s.user != null) sendingLimit(() -> s.server.accounts.security().sending().recipient(s.user.address()));
        s.recipients.add(new SmtpSession.Accepted(address, deliverTo, notify, orcpt));
        s.state = RCPT;
        return List.of(Reply.of(250, "2.1.5", "Recipient ok"));
    }

    /** Reads the message up to the lone dot, undoing dot-stuffing, then hands it to the intake. */
    static List<Reply> data(SmtpSession s, String argument) throws SmtpException, IOException {
        if (!argument.isEmpty()) throw new SmtpException(501, "5.5.4", "Syntax: DATA");
        if (s.chunks != null) throw new SmtpException(503, "5.5.1", "DATA not allowed after BDAT");
        s.send(Reply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
        s.connection.flush();
        s.connection.setIdleTimeout(s.server.settings.dataTimeout);
        try (Spool spool = s.server.spool()) {
            long limit = s.server.settings.maxMessageSize;
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
                spool.write(line, from, line.length - from);
                spool.write(CRLF, 0, 2);
                tooBig = spool.size() > limit;
            }
            if (tooBig) throw new SmtpException(552, "5.3.4", "Message size exceeds fixed limit of " + limit);
            if (lineTooLong) throw new SmtpException(552, "5.3.4", "Message has a line longer than " + s.server.settings.maxLineLength + " octets");
            return s.server.intake.accept(s, spool);
        } finally {
            s.resetTransaction();
            s.connection.setIdleTimeout(s.server.settings.commandTimeout);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /** RFC 3030: "BDAT size [LAST]"; the chunk is exactly {@code size} octets, with no dot-stuffing. */
    static List<Reply> bdat(SmtpSession s, String argument) throws SmtpException, IOException {
        String[] words = argument.split(" +");
        long size;
        try {
            size = Long.parseLong(words[0]);
        } catch (NumberFormatException e) {
            throw new SmtpException(501, "5.5.4", "Syntax: BDAT size [LAST]");
        }
        boolean last = words.length == 2 && words[1].equalsIgnoreCase("LAST");
        if (size < 0 || words.length > 2 || (words.length == 2 && !last)) throw new SmtpException(501, "5.5.4", "Syntax: BDAT size [LAST]");
        if (s.chunks == null) s.chunks = s.server.spool();
        long limit = s.server.settings.maxMessageSize;
        if (s.chunksFailed || s.chunks.size() + size > limit) {
            s.connection.skipBytes(size);
            s.resetTransaction();
            throw new SmtpException(552, "5.3.4", "Message size exceeds fixed limit of " + limit);
        }
        s.connection.setIdleTimeout(s.server.settings.dataTimeout);
        try {
            long left = size;
            while (left > 0) {
                byte[] piece = s.connection.readBytes((int) Math.min(left, 65536));
                s.chunks.write(piece, 0, piece.length);
                left -= piece.length;
            }
        } finally {
            s.connection.setIdleTimeout(s.server.settings.commandTimeout);
        }
        if (!last) return List.of(Reply.of(250, "2.0.0", size + " octets received"));
        try {
            return s.server.intake.accept(s, s.chunks);
        } finally {
            s.resetTransaction();
        }
    }

    static List<Reply> help(SmtpSession s, String argument) {
        String verbs = String.join(" ", TABLE.entries().stream()
                .filter(e -> e.handler().modes().contains(s.server.mode)).map(CommandTable.Entry::verb).toList());
        return List.of(Reply.of(214, "2.0.0", "Commands: " + verbs));
    }
}
