package mailroom.sieve.manage;

import mailroom.core.auth.SaslPlain;
import mailroom.core.auth.Scram;
import mailroom.core.net.BackendLink;
import mailroom.core.security.LoginBlocked;
import mailroom.storage.Account;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * AUTHENTICATE (RFC 5804 section 2.1) with PLAIN and SCRAM-SHA-256 over the same accounts as
 * IMAP. A PLAIN session of an account whose home is another store is passed through to it, as
 * IMAP and POP3 sessions are; SCRAM never shows us the password, so such a session is served here,
 * which changes nothing for the user since scripts live in the shared database.
 */
final class Authentication {
    private Authentication() {}

    static List<String> mechanisms(ManageSieveSession s) {
        List<String> mechanisms = new ArrayList<>();
        if (plaintextAllowed(s)) mechanisms.add("PLAIN");
        mechanisms.add(Scram.MECHANISM);
        return mechanisms;
    }

    static void authenticate(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        if (c.arguments().isEmpty() || c.arguments().size() > 2) throw new ManageSieveException(null, "AUTHENTICATE takes a mechanism and an optional initial response");
        String mechanism = c.string(0).toUpperCase(java.util.Locale.ROOT);
        String initial = c.arguments().size() > 1 ? decode(c.string(1)) : null;
        Optional<Account> account;
        try {
            account = switch (mechanism) {
                case "PLAIN" -> plain(s, initial);
                case Scram.MECHANISM -> scram(s, initial);
                default -> throw new ManageSieveException(null, "Unsupported mechanism " + mechanism);
            };
        } catch (LoginBlocked e) {
            throw new ManageSieveException("TRYLATER", e.getMessage()); // the login gate refused before any password was checked
        }
        if (s.logout) return; // passed through to the home store, where the session went on and ended
        if (account.isEmpty()) throw new ManageSieveException(null, "Authentication failed"); // the login gate has already made us wait
        s.account = account.get();
        s.state = ManageSieveSession.State.AUTHENTICATED;
        if (!Scram.MECHANISM.equals(mechanism)) s.ok(null, "Logged in");
    }

    private static Optional<Account> plain(ManageSieveSession s, String initial) throws ManageSieveException, IOException {
        if (!plaintextAllowed(s)) throw new ManageSieveException("ENCRYPT-NEEDED", "Use STARTTLS first, or SCRAM-SHA-256");
        String response = initial != null ? initial : challenge(s, "");
        var plain = SaslPlain.decode(b64(response)).orElseThrow(() -> new ManageSieveException(null, "Invalid SASL PLAIN response"));
        if (!plain.authorizationId().isEmpty() && !plain.authorizationId().equalsIgnoreCase(plain.username()))
            throw new ManageSieveException("AUTH-TOO-WEAK", "Cannot act as another user");
        Optional<Account> found = s.server.accounts.authenticate(plain.username(), plain.password(), client(s), "managesieve");
        if (found.isPresent() && passedToHome(s, plain.username(), plain.password(), found.get())) s.logout = true;
        return found;
    }

    private static Optional<Account> scram(ManageSieveSession s, String initial) throws ManageSieveException, IOException {
        var scram = new Scram.Server(login -> s.server.accounts.find(login).map(Account::scram));
        String serverFirst = scram.challenge(initial != null ? initial : challenge(s, "")).orElse(null);
        String user = scram.username() == null ? "" : scram.username();
        if (serverFirst == null) return s.server.accounts.authenticateProven(user, false, client(s), "managesieve");
        String serverFinal = scram.verify(challenge(s, serverFirst)).orElse(null);
        Optional<Account> account = s.server.accounts.authenticateProven(user, serverFinal != null, client(s), "managesieve");
        // Section 2.1: the last server data rides on the OK.
        if (account.isPresent()) s.ok("SASL " + ManageSieveCodec.string(b64(serverFinal)), "Logged in");
        return account;
    }

    /** Sends a challenge (base64 in a string) and returns the client's decoded answer; "*" cancels. */
    private static String challenge(ManageSieveSession s, String data) throws ManageSieveException, IOException {
        s.connection.write(ManageSieveCodec.string(b64(data)) + "\r\n");
        s.connection.flush();
        String answer = ManageSieveCodec.readResponse(s.connection);
        if (answer == null) throw new IOException("connection closed during AUTHENTICATE");
        if (answer.equals("*")) throw new ManageSieveException(null, "Authentication cancelled");
        return decode(answer);
    }

    private static InetAddress client(ManageSieveSession s) {
        return s.connection.remote().getAddress();
    }

    private static boolean passedToHome(ManageSieveSession s, String user, String password, Account account) {
        var router = s.server.router;
        if (router.fromNode(s.connection.remote().getAddress())) return false; // a proxied session is never passed on again
        Optional<InetAddress> home = router.elsewhere(account);
        return home.isPresent() && BackendLink.passThrough(s.connection, s.server.bind, home.get(), s.server.settings.port, "managesieve " + user, link -> {
            String line;
            while ((line = link.readLine()) != null && !line.startsWith("OK")) {
                if (line.startsWith("NO") || line.startsWith("BYE")) throw new IOException("refused: " + line);
            }
            String plain = b64("\0" + user + "\0" + password);
            link.send(("AUTHENTICATE \"PLAIN\" \"" + plain + "\"\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = link.readLine();
            if (answer == null || !answer.startsWith("OK")) throw new IOException("refused: " + answer);
            return List.of(answer);
        });
    }

    private static boolean plaintextAllowed(ManageSieveSession s) {
        return s.connection.isTls() || s.server.router.fromNode(s.connection.remote().getAddress()) || switch (s.server.settings.plaintextAuth) {
            case NEVER -> false;
            case LOOPBACK -> s.connection.isLoopback();
            case ALWAYS -> true;
        };
    }

    private static String decode(String base64) throws ManageSieveException {
        try {
            return new String(Base64.getDecoder().decode(base64.strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ManageSieveException(null, "Invalid base64");
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
