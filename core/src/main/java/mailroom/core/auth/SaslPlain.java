package mailroom.core.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** The SASL PLAIN message (RFC 4616): [authzid] NUL authcid NUL passwd, base64 on the wire. */
public record SaslPlain(String authorizationId, String username, String password) {

    /** Decodes a base64 PLAIN response; empty when it is not valid base64 or not three fields. */
    public static Optional<SaslPlain> decode(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String[] f = new String(raw, StandardCharsets.UTF_8).split("\0", -1);
        if (f.length != 3 || f[1].isEmpty()) return Optional.empty();
        return Optional.of(new SaslPlain(f[0], f[1], f[2]));
    }
}
