package mailroom.jmap;

import mailroom.core.security.ClientNetwork;
import mailroom.core.security.LoginBlocked;
import mailroom.jmap.core.Principal;
import mailroom.jmap.core.Scope;
import mailroom.storage.Account;
import mailroom.storage.Accounts;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Who is calling: HTTP Basic with the mail password, or a bearer token. Both pass the shared login
 * gate ({@link Accounts#authenticate}), so JMAP logins are counted and throttled with every other
 * protocol's.
 *
 * <p>A token is "mrjmap.{account}.{scope}.{mac}", the MAC an HMAC-SHA256 keyed by the account's
 * stored password hash. It needs no table, works on every node of a cluster (they share the
 * directory), costs no Argon2 per request, and every token of an account dies when its password
 * changes. The scope limits what the token may do (see {@link Scope}). A client gets one by POSTing
 * to /jmap/token with its password.
 */
final class Authenticator {
    static final String PROTOCOL = "jmap";

    /** No valid credentials: 401. */
    static final class Unauthorized extends Exception {
        Unauthorized(String message) {
            super(message, null, false, false);
        }
    }

    private final Accounts accounts;

    Authenticator(Accounts accounts) {
        this.accounts = accounts;
    }

    Principal authenticate(String authorization, String remoteAddress, boolean allowBearer) throws Unauthorized, LoginBlocked {
        if (authorization == null) throw new Unauthorized("log in with Basic (address and password) or a Bearer token");
        InetAddress client = ClientNetwork.literal(remoteAddress).orElseThrow(() -> new Unauthorized("unknown client address"));
        if (allowBearer && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).strip();
            var parsed = parse(token);
            Optional<Account> account = parsed.flatMap(t -> accounts.storage().directory().account(t.accountId()));
            boolean proven = account.isPresent() && MessageDigest.isEqual(
                    token.getBytes(StandardCharsets.UTF_8), token(account.get(), parsed.get().scope()).getBytes(StandardCharsets.UTF_8));
            String login = account.map(Account::address).orElse("token");
            Account found = accounts.authenticateProven(login, proven, client, PROTOCOL).orElseThrow(() -> new Unauthorized("the token is not valid"));
            return new Principal(found, parsed.get().scope());
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Unauthorized("malformed Basic credentials");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) throw new Unauthorized("malformed Basic credentials");
            Account found = accounts.authenticate(decoded.substring(0, colon), decoded.substring(colon + 1), client, PROTOCOL)
                    .orElseThrow(() -> new Unauthorized("wrong address or password"));
            return new Principal(found, Scope.FULL);
        }
        throw new Unauthorized("log in with Basic or Bearer");
    }

    private record Parsed(long accountId, Scope scope) {}

    private static Optional<Parsed> parse(String token) {
        String[] f = token.split("\\.");
        if (f.length != 4 || !f[0].equals("mrjmap") || !f[1].matches("[0-9]{1,18}")) return Optional.empty();
        try {
            return Optional.of(new Parsed(Long.parseLong(f[1]), Scope.valueOf(f[2].toUpperCase(Locale.ROOT))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The token of an account for a scope. */
    static String token(Account account, Scope scope) {
        String payload = "mrjmap." + account.id() + "." + scope.name().toLowerCase(Locale.ROOT);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("jmap-token:" + account.passwordHash()).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
