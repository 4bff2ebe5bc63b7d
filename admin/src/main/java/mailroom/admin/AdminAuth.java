package mailroom.admin;

import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.TooManyRequestsResponse;
import io.javalin.http.UnauthorizedResponse;
import mailroom.core.security.ClientNetwork;
import mailroom.core.security.LoginBlocked;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Directory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Who is calling the admin API: an account with the admin flag (HTTP Basic, its mail password), or a
 * script with a bearer token. Tokens are random and shown once; only their SHA-256 is stored.
 */
public final class AdminAuth {
    static final String ACTOR = "actor";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Accounts accounts;
    private final Directory directory;

    AdminAuth(Accounts accounts, Directory directory) {
        this.accounts = accounts;
        this.directory = directory;
    }

    /** Sets the caller as the request's actor, or answers 401 (who are you?) or 403 (not an admin). */
    void require(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null) throw unauthorized();
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String name = directory.adminTokenName(sha256(header.substring(7).strip())).orElseThrow(AdminAuth::unauthorized);
            ctx.attribute(ACTOR, "token:" + name);
            return;
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw unauthorized();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) throw unauthorized();
            var client = ClientNetwork.literal(ctx.req().getRemoteAddr()).orElseThrow(AdminAuth::unauthorized);
            Optional<Account> found;
            try {
                found = accounts.authenticate(decoded.substring(0, colon), decoded.substring(colon + 1), client, "admin");
            } catch (LoginBlocked e) {
                ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
                throw new TooManyRequestsResponse(e.getMessage());
            }
            var account = found.orElseThrow(AdminAuth::unauthorized);
            if (!account.admin()) throw new ForbiddenResponse(account.address() + " is not an administrator");
            ctx.attribute(ACTOR, account.address());
            return;
        }
        throw unauthorized();
    }

    private static UnauthorizedResponse unauthorized() {
        return new UnauthorizedResponse("Log in as an administrator (Basic) or present a token (Bearer)");
    }

    /** A new token under {@code name}; the token itself is returned once and not kept. */
    public static String createToken(Directory directory, String name) {
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) throw new IllegalArgumentException("a token name is 1-64 letters, digits, '.', '_' or '-'");
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = "mr_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        directory.addAdminToken(name, sha256(token), Instant.now());
        return token;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
