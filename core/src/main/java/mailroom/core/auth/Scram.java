package mailroom.core.auth;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

/**
 * SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), server side. We keep only what RFC 5802 section 3
 * says a server needs: salt, iteration count, StoredKey and ServerKey, so a stolen database gives
 * no password and no way to log in.
 */
public final class Scram {
    public static final String MECHANISM = "SCRAM-SHA-256";
    /** RFC 7677 section 4: at least 4096. */
    static final int ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Scram() {}

    /** The stored form, "iterations:salt:StoredKey:ServerKey" in base64, for a password. */
    public static String credentials(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return credentials(password, salt, ITERATIONS);
    }

    static String credentials(String password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        var b64 = Base64.getEncoder();
        return iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(sha256(hmac(salted, "Client Key")))
                + ":" + b64.encodeToString(hmac(salted, "Server Key"));
    }

    /**
     * One server exchange: {@link #challenge} answers the client-first message, {@link #verify}
     * checks the client-final one. {@code credentials} finds the stored form by user name.
     */
    public static final class Server {
        private final Function<String, Optional<String>> credentials;
        private final String serverNonce;
        private String username, clientFirstBare, serverFirst, gs2Header;
        private String[] stored;

        public Server(Function<String, Optional<String>> credentials) {
            this(credentials, randomNonce());
        }

        Server(Function<String, Optional<String>> credentials, String serverNonce) {
            this.credentials = credentials;
            this.serverNonce = serverNonce;
        }

        /** The server-first message; empty when the client-first message is malformed or the user has no credentials. */
        public Optional<String> challenge(String clientFirst) {
            // gs2-header: we offer no channel binding, so "n" (or "y") and an optional authzid.
            if (!clientFirst.startsWith("n,") && !clientFirst.startsWith("y,")) return Optional.empty();
            int second = clientFirst.indexOf(',', 2);
            if (second < 0) return Optional.empty();
            gs2Header = clientFirst.substring(0, second + 1);
            clientFirstBare = clientFirst.substring(second + 1);
            String name = attribute(clientFirstBare, 'n'), nonce = attribute(clientFirstBare, 'r');
            if (name == null || nonce == null || nonce.isEmpty()) return Optional.empty();
            username = name.replace("=2C", ",").replace("=3D", "=");
            Optional<String> found = credentials.apply(username).filter(c -> !c.isEmpty());
            if (found.isEmpty()) return Optional.empty();
            stored = found.get().split(":");
            serverFirst = "r=" + nonce + serverNonce + ",s=" + stored[1] + ",i=" + stored[0];
            return Optional.of(serverFirst);
        }

        /** The server-final message ("v=...") when the client's proof is right; empty otherwise. */
        public Optional<String> verify(String clientFinal) {
            if (serverFirst == null) return Optional.empty();
            int proofAt = clientFinal.lastIndexOf(",p=");
            if (proofAt < 0) return Optional.empty();
            String withoutProof = clientFinal.substring(0, proofAt);
            String binding = attribute(withoutProof, 'c'), nonce = attribute(withoutProof, 'r');
            String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
            if (!expectedBinding.equals(binding) || nonce == null || !serverFirst.startsWith("r=" + nonce + ",")) return Optional.empty();
            byte[] proof;
            try {
                proof = Base64.getDecoder().decode(clientFinal.substring(proofAt + 3));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            var b64 = Base64.getDecoder();
            byte[] storedKey = b64.decode(stored[2]), serverKey = b64.decode(stored[3]);
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] clientSignature = hmac(storedKey, authMessage);
            if (proof.length != clientSignature.length) return Optional.empty();
            byte[] clientKey = new byte[proof.length];
            for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
            if (!MessageDigest.isEqual(sha256(clientKey), storedKey)) return Optional.empty();
            return Optional.of("v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage)));
        }

        public String username() {
            return username;
        }
    }

    /** The value of "x=value" among comma-separated attributes, or null. */
    static String attribute(String message, char name) {
        for (String part : message.split(",")) {
            if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') return part.substring(2);
        }
        return null;
    }

    private static String randomNonce() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        try {
            var spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
