package mailroom.pop3;

import mailroom.core.auth.SaslPlain;
import mailroom.core.security.LimitExceeded;
import mailroom.core.security.LoginBlocked;
import mailroom.core.protocol.CommandTable;
import mailroom.storage.Account;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static mailroom.pop3.Pop3Session.State.AUTHORIZATION;
import static mailroom.pop3.Pop3Session.State.TRANSACTION;

/**
 * The POP3 commands, one handler each, with the states they are valid in and the CAPA lines they
 * bring. RFC 1939 unless noted; CAPA is RFC 2449, STLS RFC 2595, AUTH RFC 5034.
 */
final class Pop3Commands {
    private static final Logger log = LoggerFactory.getLogger(Pop3Commands.class);
    private static final Set<Pop3Session.State> ANY = EnumSet.allOf(Pop3Session.State.class);

    @FunctionalInterface
    interface Handler {
        void handle(Pop3Session session, String argument) throws Pop3Exception, IOException;
    }

    /** A handler and the CAPA lines it brings, given the session. */
    record Command(Handler handler, Function<Pop3Session, List<String>> capabilities) {
        static Command of(Handler handler) {
            return new Command(handler, s -> List.of());
        }
    }

    static final CommandTable<Pop3Session.State, Command> TABLE = new CommandTable<Pop3Session.State, Command>()
            .add("CAPA", ANY, new Command(Pop3Commands::capa,
                    s -> List.of("RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Mailroom")))
            .add("STLS", EnumSet.of(AUTHORIZATION), new Command(Pop3Commands::stls,
                    s -> s.server.tls != null && !s.connection.isTls() && s.state == AUTHORIZATION ? List.of("STLS") : List.of()))
            .add("USER", EnumSet.of(AUTHORIZATION), new Command(Pop3Commands::user,
                    s -> plaintextAllowed(s) && s.state == AUTHORIZATION ? List.of("USER") : List.of()))
            .add("PASS", EnumSet.of(AUTHORIZATION), Command.of(Pop3Commands::pass))
            .add("AUTH", EnumSet.of(AUTHORIZATION), new Command(Pop3Commands::auth,
                    s -> plaintextAllowed(s) && s.state == AUTHORIZATION ? List.of("SASL PLAIN") : List.of()))
            .add("STAT", EnumSet.of(TRANSACTION), Command.of(Pop3Commands::stat))
            .add("LIST", EnumSet.of(TRANSACTION), Command.of(Pop3Commands::list))
            .add("UIDL", EnumSet.of(TRANSACTION), new Command(Pop3Commands::uidl, s -> List.of("UIDL")))
            .add("RETR", EnumSet.of(TRANSACTION), Command.of(Pop3Commands::retr))
            .add("TOP", EnumSet.of(TRANSACTION), new Command(Pop3Commands::top, s -> List.of("TOP")))
            .add("DELE", EnumSet.of(TRANSACTION), Command.of(Pop3Commands::dele))
            .add("RSET", EnumSet.of(TRANSACTION), Command.of(Pop3Commands::rset))
            .add("NOOP", EnumSet.of(TRANSACTION), Command.of((s, arg) -> s.ok("")))
            .add("QUIT", ANY, Command.of(Pop3Commands::quit));

    private Pop3Commands() {}

    static void capa(Pop3Session s, String argument) throws IOException {
        s.ok("Capability list follows");
        for (var entry : TABLE.entries()) {
            for (String line : entry.handler().capabilities().apply(s)) s.connection.write(line + "\r\n");
        }
        s.connection.write(".\r\n");
    }

    /** Passwords travel in the clear unless the session is TLS or on loopback, or the operator allows it. */
    private static boolean plaintextAllowed(Pop3Session s) {
        return s.connection.isTls() || s.server.router.fromNode(s.connection.remote().getAddress()) || switch (s.server.settings.plaintextAuth) {
            case NEVER -> false;
            case LOOPBACK -> s.connection.isLoopback();
            case ALWAYS -> true;
        };
    }

    private static void requirePlaintextAllowed(Pop3Session s) throws Pop3Exception {
        if (!plaintextAllowed(s)) throw new Pop3Exception("AUTH", "Plaintext authentication is only allowed over TLS (use STLS)");
    }

    static void stls(Pop3Session s, String argument) throws Pop3Exception, IOException {
        if (s.server.tls == null) throw new Pop3Exception("TLS is not available");
        if (s.connection.isTls()) throw new Pop3Exception("Already using TLS");
        s.ok("Begin TLS negotiation");
        s.connection.startTls(s.server.tls);
        s.pendingUser = null;
    }

    static void user(Pop3Session s, String name) throws Pop3Exception, IOException {
        requirePlaintextAllowed(s);
        if (name.isEmpty()) throw new Pop3Exception("Usage: USER name");
        s.pendingUser = name;
        s.ok("Send your password");
    }

    static void pass(Pop3Session s, String password) throws Pop3Exception, IOException {
        requirePlaintextAllowed(s);
        if (s.pendingUser == null) throw new Pop3Exception("Send USER first");
        String user = s.pendingUser;
        s.pendingUser = null;
        login(s, user, password);
    }

    /** RFC 5034: AUTH PLAIN with an initial response, or on the next line after "+ ". */
    static void auth(Pop3Session s, String argument) throws Pop3Exception, IOException {
        if (argument.isEmpty()) { // the pre-RFC 5034 listing that some clients still send
            s.ok("");
            if (plaintextAllowed(s)) s.connection.write("PLAIN\r\n");
            s.connection.write(".\r\n");
            return;
        }
        requirePlaintextAllowed(s);
        String[] parts = argument.split(" ", 2);
        if (!parts[0].equalsIgnoreCase("PLAIN")) throw new Pop3Exception("Unsupported authentication mechanism");
        String response = parts.length > 1 ? parts[1] : null;
        if (response == null) {
            s.connection.write("+ \r\n");
            s.connection.flush();
            response = s.connection.readLineUtf8(Pop3Session.MAX_LINE);
            if (response == null) throw new IOException("connection closed during AUTH");
            if (response.equals("*")) throw new Pop3Exception("Authentication cancelled");
        }
        String initial = response.equals("=") ? "" : response;
        var plain = SaslPlain.decode(initial).orElseThrow(() -> new Pop3Exception("Invalid SASL PLAIN response"));
        if (!plain.authorizationId().isEmpty() && !plain.authorizationId().equalsIgnoreCase(plain.username())) {
            throw new Pop3Exception("AUTH", "Cannot log in as another user");
        }
        login(s, plain.username(), plain.password());
    }

    /**
     * Checks the password through the login gate (which slows and blocks guessing), counts the
     * session against the account's limit per address, then opens the maildrop here or at the home store.
     */
    private static void login(Pop3Session s, String user, String password) throws Pop3Exception, IOException {
        InetAddress client = s.connection.remote().getAddress();
        Optional<Account> account;
        try {
            account = s.server.accounts.authenticate(user, password, client, "pop3");
        } catch (LoginBlocked e) {
            throw new Pop3Exception("SYS/TEMP", e.getMessage()); // RFC 3206: try again later, not a wrong password
        }
        if (account.isEmpty()) {
            log.info("pop3 login failed for {}", user);
            throw new Pop3Exception("AUTH", "Authentication failed");
        }
        try {
            s.endSession.run(); // a login that failed after counting (POP3 may be retried) gives its place back first
            s.endSession = () -> {};
            s.endSession = s.server.accounts.security().sessions().open("pop3", account.get().address(), client);
        } catch (LimitExceeded e) {
            throw new Pop3Exception("IN-USE", e.getMessage()); // RFC 2449: the maildrop is busy with other sessions
        }
        var router = s.server.router;
        if (!router.fromNode(s.connection.remote().getAddress())) { // a proxied session is never passed on again
            var home = router.elsewhere(account.get());
            if (home.isPresent() && Pop3Proxy.handOver(s, user, password, home.get())) {
                s.quit = true;
                return;
            }
        }
        var mail = s.server.storage.mail();
        Mailbox inbox = mail.mailbox(account.get().id(), Mailbox.INBOX)
                .orElseGet(() -> mail.createMailbox(account.get().id(), Mailbox.INBOX, null));
        s.maildrop = new Maildrop(account.get(), inbox, mail.messages(account.get().id(), inbox.id()));
        s.state = TRANSACTION;
        log.info("pop3 login {} ({} messages)", account.get().address(), s.maildrop.size());
        s.ok("Logged in, " + s.maildrop.size() + " messages");
    }

    static void stat(Pop3Session s, String argument) throws IOException {
        s.ok(s.maildrop.liveCount() + " " + s.maildrop.liveOctets());
    }

    static void list(Pop3Session s, String argument) throws Pop3Exception, IOException {
        multiLine(s, argument, n -> Long.toString(s.maildrop.at(n).size()), "messages");
    }

    static void uidl(Pop3Session s, String argument) throws Pop3Exception, IOException {
        multiLine(s, argument, s.maildrop::uidl, "unique-id listing");
    }

    /** LIST and UIDL: one line for an argument, else a listing of every message not deleted. */
    private static void multiLine(Pop3Session s, String argument, java.util.function.IntFunction<String> value, String what)
            throws Pop3Exception, IOException {
        Maildrop drop = s.maildrop;
        if (!argument.isEmpty()) {
            drop.get(argument);
            int n = Integer.parseInt(argument.strip());
            s.ok(n + " " + value.apply(n));
            return;
        }
        s.ok(drop.liveCount() + " " + what + " follow");
        for (int n = 1; n <= drop.size(); n++) {
            if (!drop.isDeleted(n)) s.connection.write(n + " " + value.apply(n) + "\r\n");
        }
        s.connection.write(".\r\n");
    }

    static void retr(Pop3Session s, String argument) throws Pop3Exception, IOException {
        MessageSummary m = s.maildrop.get(argument);
        send(s, m, -1, m.size() + " octets");
    }

    static void top(Pop3Session s, String argument) throws Pop3Exception, IOException {
        String[] args = argument.split(" +");
        if (args.length != 2) throw new Pop3Exception("Usage: TOP message lines");
        MessageSummary m = s.maildrop.get(args[0]);
        long lines;
        try {
            lines = Long.parseLong(args[1]);
        } catch (NumberFormatException e) {
            throw new Pop3Exception("Invalid line count: " + args[1]);
        }
        if (lines < 0) throw new Pop3Exception("Invalid line count: " + args[1]);
        send(s, m, lines, "top of message follows");
    }

    private static void send(Pop3Session s, MessageSummary m, long bodyLines, String text) throws IOException {
        // Open before answering +OK, so a missing blob is an -ERR rather than a broken response.
        try (InputStream in = s.server.storage.blobs().open(m.blobId())) {
            s.ok(text);
            Pop3Codec.writeMessage(in, s.connection.output(), bodyLines);
        }
    }

    static void dele(Pop3Session s, String argument) throws Pop3Exception, IOException {
        s.maildrop.delete(argument);
        s.ok("Message " + argument.strip() + " deleted");
    }

    static void rset(Pop3Session s, String argument) throws IOException {
        s.maildrop.undeleteAll();
        s.ok(s.maildrop.size() + " messages");
    }

    /** QUIT in TRANSACTION enters UPDATE: the marked messages are expunged, then we say goodbye. */
    static void quit(Pop3Session s, String argument) throws IOException {
        s.quit = true;
        if (s.maildrop != null) {
            List<Long> uids = new ArrayList<>(s.maildrop.deletedUids());
            if (!uids.isEmpty()) s.server.storage.mail().expunge(s.maildrop.account.id(), s.maildrop.inbox.id(), uids);
            log.info("pop3 logout {} (deleted {})", s.maildrop.account.address(), uids.size());
            s.ok(s.server.hostname + " signing off (" + s.maildrop.liveCount() + " messages left)");
        } else {
            s.ok(s.server.hostname + " signing off");
        }
    }

}
