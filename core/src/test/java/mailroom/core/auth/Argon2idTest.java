package mailroom.core.auth;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mailroom's Argon2id gives the same tags as other implementations, alone and under concurrent use. */
class Argon2idTest {
    /** Made by libsodium (Dovecot 2.3's `doveadm pw -s ARGON2ID -p bench-password`). */
    private static final String LIBSODIUM = "$argon2id$v=19$m=65536,t=3,p=1$Y2g22X4J8NmHealJ0VGaYw$S2msCr0z/W07EZBQDpKSpp+57+pql3sIRcbQphYf3Ks";

    @Test
    void equalsBouncyCastlesGeneratorAcrossParameters() {
        var random = new Random(7);
        int[][] cases = { // memory KiB, passes, lanes, tag bytes
                {8, 1, 1, 32}, {16, 1, 2, 4}, {64, 3, 1, 32}, {100, 2, 3, 64}, {256, 2, 4, 100},
                {1024, 1, 1, 1024}, {2048, 4, 2, 32}, {19456, 2, 1, 32}};
        for (int[] c : cases) {
            byte[] password = new byte[random.nextInt(40)], salt = new byte[8 + random.nextInt(24)];
            random.nextBytes(password);
            random.nextBytes(salt);
            assertThat(Argon2id.hash(password, salt, c[0], c[1], c[2], c[3]))
                    .as("m=%d t=%d p=%d length %d", c[0], c[1], c[2], c[3])
                    .isEqualTo(bouncyCastle(password, salt, c[0], c[1], c[2], c[3]));
        }
    }

    @Test
    void verifiesAHashMadeByLibsodium() {
        assertThat(Passwords.verify("bench-password", LIBSODIUM)).isTrue();
        assertThat(Passwords.verify("bench-passwore", LIBSODIUM)).isFalse();
    }

    @Test
    void concurrentHashesOfMixedSizesStayCorrect() throws Exception {
        String small = Passwords.hash("small"), big = Passwords.hash("big");
        String odd = "$argon2id$v=19$m=4104,t=1,p=2$" + small.split("\\$")[4] + "$"
                + java.util.Base64.getEncoder().withoutPadding().encodeToString(
                        bouncyCastle("odd".getBytes(StandardCharsets.UTF_8), java.util.Base64.getDecoder().decode(small.split("\\$")[4]), 4104, 1, 2, 32));
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<Future<Boolean>> right = new ArrayList<>(), wrong = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                right.add(pool.submit(() -> Passwords.verify("small", small)));
                right.add(pool.submit(() -> Passwords.verify("big", big)));
                right.add(pool.submit(() -> Passwords.verify("odd", odd)));
                wrong.add(pool.submit(() -> Passwords.verify("big", small)));
                wrong.add(pool.submit(() -> Passwords.verify("odd", big)));
            }
            for (var f : right) assertThat(f.get()).isTrue();
            for (var f : wrong) assertThat(f.get()).isFalse();
        }
    }

    @Test
    void refusesParametersOutOfRange() {
        byte[] salt = new byte[16];
        assertThatThrownBy(() -> Argon2id.hash(new byte[0], salt, 7, 1, 1, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Argon2id.hash(new byte[0], salt, 64, 0, 1, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Argon2id.hash(new byte[0], new byte[4], 64, 1, 1, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Argon2id.hash(new byte[0], salt, 1 << 24, 1, 1, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Passwords.verify("x", "$argon2id$v=19$m=16777216,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")).isFalse();
        assertThat(Passwords.verify("x", "$argon2id$v=19$m=4,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")).isFalse();
    }

    private static byte[] bouncyCastle(byte[] password, byte[] salt, int memoryKib, int iterations, int lanes, int length) {
        var generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(lanes).build());
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }
}
