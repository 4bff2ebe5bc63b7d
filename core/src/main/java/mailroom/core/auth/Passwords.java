package mailroom.core.auth;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Password hashing with Argon2id (RFC 9106), stored in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} so parameters can be raised later without
 * invalidating old hashes. The defaults are OWASP's recommended minimum for Argon2id.
 */
public final class Passwords {
    private static final int MEMORY_KIB = 19 * 1024, ITERATIONS = 2, PARALLELISM = 1, SALT_BYTES = 16, HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private Passwords() {}

    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s".formatted(MEMORY_KIB, ITERATIONS, PARALLELISM, B64.encodeToString(salt), B64.encodeToString(hash));
    }

    /** True when {@code password} matches {@code stored}; false for a wrong password or an unreadable hash. */
    public static boolean verify(String password, String stored) {
        String[] f = stored == null ? new String[0] : stored.split("\\$");
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (f.length != 6 || !f[1].equals("argon2id") || !f[2].equals("v=19")) return false;
        try {
            int m = 0, t = 0, p = 0;
            for (String kv : f[3].split(",")) {
                int v = Integer.parseInt(kv.substring(2));
                switch (kv.charAt(0)) {
                    case 'm' -> m = v;
                    case 't' -> t = v;
                    case 'p' -> p = v;
                    default -> { return false; }
                }
            }
            byte[] expected = B64D.decode(f[5]);
            byte[] actual = argon2(password, B64D.decode(f[4]), m, t, p, expected.length);
            return MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A random password for generated accounts: 18 characters from an unambiguous alphabet. */
    public static String random() {
        String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 18; i++) sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return sb.toString();
    }

    private static byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        var params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism)
                .build();
        var generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
