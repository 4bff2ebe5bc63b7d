package mailroom.imap;

import mailroom.core.auth.SaslPlain;
import mailroom.core.security.LimitExceeded;
import mailroom.core.security.LoginBlocked;
import mailroom.imap.codec.ImapParser;
import mailroom.storage.sharing.SharedMailboxes;
import mailroom.storage.Account;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Commands about the session itself: capabilities, login, TLS, ENABLE, ID, NAMESPACE. */
final class SessionCommands {
    private static final Logger log = LoggerFactory.getLogger(SessionCommands.class);
    /** What ENABLE can turn on (RFC 5161); others are ignored, as the RFC asks. */
    private static final Set<String> ENABLEABLE = Set.of("UTF8=ACCEPT", "IMAP4REV2", "CONDSTORE", "QRESYNC");

    private SessionCommands() {}

    static String capability(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        args.end();
        s.untagged("CAPABILITY " + ImapCommands.capabilities(s));
        return "CAPABILITY completed";
    }

    static String noop(ImapSession s, String tag, ImapParser args) throws ImapException {
        args.end();
        return "NOOP completed";
    }

    static String logout(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        args.end();
        s.untagged("BYE " + s.server.hostname + " logging out");
        s.state = ImapSession.State.LOGOUT;
        if (s.account != null) log.info("imap logout {}", s.account.address());
        return "LOGOUT completed";
    }

    /** RFC 2971: we tell our name; the client's parameters are read and only checked for syntax. */
    static String id(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        if (!args.tryConsume('(')) {
            if (args.nstring() != null) throw new ImapException.Bad("ID takes NIL or a parameter list");
        } else {
            while (!args.tryConsume(')')) {
                args.tryConsume(' ');
                args.string();
                args.sp();
                args.nstring();
            }
        }
        args.end();
        s.untagged("ID (\"name\" \"Mailroom\" \"vendor\" \"Mailroom\")");
        return "ID completed";
    }

    static boolean plaintextAllowed(ImapSession s) {
        return s.connection.isTls() || s.server.router.fromNode(s.connection.remote().getAddress()) || switch (s.server.settings.plaintextAuth) {
            case NEVER -> false;
            case LOOPBACK -> s.connection.isLoopback();
            case ALWAYS -> true;
        };
    }

    /** RFC 3501 section 6.2.1: answer OK, then handshake; the client must ask for CAPABILITY again. */
    static String startTls(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        args.end();
        if (s.server.tls == null) throw new ImapException.No("TLS is not available");
        if (s.connection.isTls()) throw new ImapException.Bad("Already using TLS");
        s.connection.write(tag + " OK Begin TLS negotiation now\r\n");
        s.connection.startTls(s.server.tls);
        return null;
    }

    static String login(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String user = args.astring();
        args.sp();
        String password = args.astring();
        args.end();
        if (!plaintextAllowed(s)) throw new ImapException.No("PRIVACYREQUIRED", "Use STARTTLS or port " + s.server.settings.tlsPort + " first");
        return loggedIn(s, tag, user, password);
    }

    /** AUTHENTICATE PLAIN, with the initial response on the command line (SASL-IR, RFC 4959) or after "+ ". */
    static String authenticate(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String mechanism = args.atom().toUpperCase(Locale.ROOT);
        String response = null;
        if (args.tryConsume(' ')) response = args.atom();
        args.end();
        if (!mechanism.equals("PLAIN")) throw new ImapException.No("Unsupported authentication mechanism");
        if (!plaintextAllowed(s)) throw new ImapException.No("PRIVACYREQUIRED", "Use STARTTLS or port " + s.server.settings.tlsPort + " first");
        if (response == null) {
            s.connection.write("+ \r\n");
            s.connection.flush();
            response = s.connection.readLineUtf8(ImapSession.MAX_LINE);
            if (response == null) throw new IOException("connection closed during AUTHENTICATE");
            if (response.equals("*")) throw new ImapException.Bad("AUTHENTICATE cancelled");
        }
        var plain = SaslPlain.decode(response.equals("=") ? "" : response)
                .orElseThrow(() -> new ImapException.Bad("Invalid SASL PLAIN response"));
        if (!plain.authorizationId().isEmpty() && !plain.authorizationId().equalsIgnoreCase(plain.username())) {
            throw new ImapException.No("AUTHORIZATIONFAILED", "Cannot log in as another user");
        }
        return loggedIn(s, tag, plain.username(), plain.password());
    }

    /**
     * Checks the password through the login gate (which slows and blocks guessing), counts the
     * session against the account's limit per address, then goes on here or at the account's home store.
     */
    private static String loggedIn(ImapSession s, String tag, String user, String password) throws ImapException, IOException {
        InetAddress client = s.connection.remote().getAddress();
        Optional<Account> account;
        try {
            account = s.server.accounts.authenticate(user, password, client, "imap");
        } catch (LoginBlocked e) {
            throw new ImapException.No("UNAVAILABLE", e.getMessage());
        }
        if (account.isEmpty()) {
            log.info("imap login failed for {}", user);
            throw new ImapException.No("AUTHENTICATIONFAILED", "Authentication failed");
        }
        try {
            s.endSession.run(); // a login that failed after counting (POP3 may be retried) gives its place back first
            s.endSession = () -> {};
            s.endSession = s.server.accounts.security().sessions().open("imap", account.get().address(), client);
        } catch (LimitExceeded e) {
            throw new ImapException.No("LIMIT", e.getMessage());
        }
        var router = s.server.router;
        if (!router.fromNode(s.connection.remote().getAddress())) { // a proxied session is never passed on again
            var home = router.elsewhere(account.get());
            if (home.isPresent() && ImapProxy.handOver(s, tag, user, password, home.get())) {
                s.state = ImapSession.State.LOGOUT;
                return null;
            }
        }
        s.account = account.get();
        s.state = ImapSession.State.AUTHENTICATED;
        s.connection.setIdleTimeout(s.server.settings.idleTimeout);
        log.info("imap login {}", s.account.address());
        return "[CAPABILITY " + ImapCommands.capabilities(s) + "] Logged in";
    }

    static String enable(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        List<String> turnedOn = new ArrayList<>();
        do {
            String capability = args.atom().toUpperCase(Locale.ROOT);
            if (ENABLEABLE.contains(capability) && s.enabled.add(capability)) turnedOn.add(capability);
            if (capability.equals("QRESYNC")) s.enabled.add("CONDSTORE"); // QRESYNC implies CONDSTORE (RFC 7162 section 3.2.3)
        } while (args.tryConsume(' '));
        args.end();
        s.untagged("ENABLED" + (turnedOn.isEmpty() ? "" : " " + String.join(" ", turnedOn)));
        return "ENABLE completed";
    }

    /** COMPRESS DEFLATE (RFC 4978): the OK goes out uncompressed, everything after it compressed. */
    static String compress(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String mechanism = args.atom();
        args.end();
        if (!mechanism.equalsIgnoreCase("DEFLATE")) throw new ImapException.Bad("Unknown compression mechanism " + mechanism);
        if (s.compressed) throw new ImapException.No("COMPRESSIONACTIVE", "Already compressing");
        s.connection.write(tag + " OK DEFLATE active\r\n");
        s.connection.compress();
        s.compressed = true;
        return null;
    }

    /**
     * RFC 2342: the personal namespace, other users' mailboxes shared with the session, and the
     * mailboxes of role accounts, all with "/" as delimiter (see {@link mailroom.storage.sharing.SharedMailboxes}).
     */
    static String namespace(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        args.end();
        s.untagged("NAMESPACE ((\"\" \"/\")) ((\"" + SharedMailboxes.OTHER_USERS + "/\" \"/\")) ((\"" + SharedMailboxes.SHARED + "/\" \"/\"))");
        return "NAMESPACE completed";
    }
}
