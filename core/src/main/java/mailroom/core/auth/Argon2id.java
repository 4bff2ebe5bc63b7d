package mailroom.core.auth;

import org.bouncycastle.crypto.digests.Blake2bDigest;

import java.lang.ref.SoftReference;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * Argon2id, version 0x13, as RFC 9106 specifies it, written for a login server's pattern of use:
 * many verifications of the same parameters, some at once. Blake2b (for H0 and the variable-length
 * H') is Bouncy Castle's; the memory-hard part is here, because Bouncy Castle's generator allocates
 * every 1 KiB block as an object of its own (19,456 of them per hash at Mailroom's parameters),
 * which the garbage collector then copies while a hash runs. Here the memory is one flat
 * {@code long[]}, reused from hash to hash, and at most one hash per processor runs at a time:
 * sixteen logins at once on two cores would otherwise hold sixteen memory areas and evict each
 * other's blocks from the caches, finishing no sooner. The output is the same as any conforming
 * implementation's (the tests check it against Bouncy Castle and against a libsodium hash).
 */
final class Argon2id {
    private static final int BLOCK_WORDS = 128, SYNC_POINTS = 4, VERSION = 0x13, TYPE_ID = 2;
    private static final int MAX_PARALLELISM = (1 << 24) - 1;

    /** One permit per processor: hashes beyond that wait rather than compete for cores and caches. */
    private static final Semaphore RUNNING = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));
    /** Memory areas of finished hashes, kept for the next; softly, so a quiet node gives them back. */
    private static final ConcurrentLinkedQueue<SoftReference<long[]>> SPARE = new ConcurrentLinkedQueue<>();

    private Argon2id() {}

    /**
     * The tag of {@code length} bytes for the password and salt, with {@code memoryKib} KiB of
     * memory, {@code iterations} passes and {@code parallelism} lanes (computed one after another).
     */
    static byte[] hash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM || iterations < 1 || length < 4 || salt.length < 8
                || memoryKib < 8 * parallelism || memoryKib > Integer.MAX_VALUE / BLOCK_WORDS) {
            throw new IllegalArgumentException("Argon2id parameters out of range");
        }
        int lanes = parallelism;
        int segment = memoryKib / (SYNC_POINTS * lanes);
        int laneLength = segment * SYNC_POINTS;
        int blocks = laneLength * lanes;
        RUNNING.acquireUninterruptibly();
        long[] memory = null;
        try {
            memory = memory(blocks * BLOCK_WORDS);
            byte[] h0 = initialHash(password, salt, memoryKib, iterations, parallelism, length);
            firstBlocks(memory, h0, lanes, laneLength);
            var fill = new Filler(memory, lanes, laneLength, segment, blocks, iterations);
            for (int pass = 0; pass < iterations; pass++) {
                for (int slice = 0; slice < SYNC_POINTS; slice++) {
                    for (int lane = 0; lane < lanes; lane++) fill.segment(pass, slice, lane);
                }
            }
            long[] last = new long[BLOCK_WORDS];
            for (int lane = 0; lane < lanes; lane++) {
                int offset = (lane * laneLength + laneLength - 1) * BLOCK_WORDS;
                for (int w = 0; w < BLOCK_WORDS; w++) last[w] ^= memory[offset + w];
            }
            return variableHash(toBytes(last, 0), length);
        } finally {
            if (memory != null) SPARE.add(new SoftReference<>(memory));
            RUNNING.release();
        }
    }

    /** A spare memory area of exactly {@code words}, or a new one. Not cleared: pass 0 writes every block before any is read. */
    private static long[] memory(int words) {
        for (SoftReference<long[]> ref; (ref = SPARE.poll()) != null; ) {
            long[] spare = ref.get();
            if (spare != null && spare.length == words) return spare;
        }
        return new long[words];
    }

    /** H0 (RFC 9106, section 3.2, step 1), without a secret or associated data. */
    private static byte[] initialHash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        var blake = new Blake2bDigest(512);
        for (int v : new int[] {parallelism, length, memoryKib, iterations, VERSION, TYPE_ID}) le32(blake, v);
        le32(blake, password.length);
        blake.update(password, 0, password.length);
        le32(blake, salt.length);
        blake.update(salt, 0, salt.length);
        le32(blake, 0); // secret
        le32(blake, 0); // associated data
        byte[] h0 = new byte[64 + 8];
        blake.doFinal(h0, 0);
        return h0;
    }

    /** B[i][0] and B[i][1] of every lane: H'(H0 || LE32(column) || LE32(lane)). */
    private static void firstBlocks(long[] memory, byte[] h0, int lanes, int laneLength) {
        for (int lane = 0; lane < lanes; lane++) {
            for (int column = 0; column < 2; column++) {
                putLe32(h0, 64, column);
                putLe32(h0, 68, lane);
                byte[] block = variableHash(h0, 1024);
                int offset = (lane * laneLength + column) * BLOCK_WORDS;
                for (int w = 0; w < BLOCK_WORDS; w++) memory[offset + w] = le64(block, w * 8);
            }
        }
    }

    /** H' (RFC 9106, section 3.3): Blake2b stretched to {@code length} bytes. */
    private static byte[] variableHash(byte[] input, int length) {
        byte[] out = new byte[length];
        if (length <= 64) {
            var blake = new Blake2bDigest(length * 8);
            le32(blake, length);
            blake.update(input, 0, input.length);
            blake.doFinal(out, 0);
            return out;
        }
        var blake = new Blake2bDigest(512);
        byte[] v = new byte[64];
        le32(blake, length);
        blake.update(input, 0, input.length);
        blake.doFinal(v, 0);
        int r = (length + 31) / 32 - 2, at = 0;
        System.arraycopy(v, 0, out, at, 32);
        at += 32;
        for (int i = 2; i <= r; i++) {
            blake.update(v, 0, 64);
            blake.doFinal(v, 0);
            System.arraycopy(v, 0, out, at, 32);
            at += 32;
        }
        var lastDigest = new Blake2bDigest((length - 32 * r) * 8);
        lastDigest.update(v, 0, 64);
        lastDigest.doFinal(out, at);
        return out;
    }

    /** Fills the memory segment by segment; holds the scratch blocks of one hash. */
    private static final class Filler {
        private final long[] memory, r = new long[BLOCK_WORDS], keep = new long[BLOCK_WORDS];
        private final long[] zero = new long[BLOCK_WORDS], input = new long[BLOCK_WORDS], addresses = new long[BLOCK_WORDS];
        private final int lanes, laneLength, segment, blocks, iterations;

        Filler(long[] memory, int lanes, int laneLength, int segment, int blocks, int iterations) {
            this.memory = memory;
            this.lanes = lanes;
            this.laneLength = laneLength;
            this.segment = segment;
            this.blocks = blocks;
            this.iterations = iterations;
        }

        void segment(int pass, int slice, int lane) {
            // Argon2id: the first half of the first pass addresses memory independently of the password.
            boolean independent = pass == 0 && slice < SYNC_POINTS / 2;
            int start = pass == 0 && slice == 0 ? 2 : 0;
            if (independent) {
                Arrays.fill(input, 0);
                input[0] = pass;
                input[1] = lane;
                input[2] = slice;
                input[3] = blocks;
                input[4] = iterations;
                input[5] = TYPE_ID;
            }
            int current = lane * laneLength + slice * segment + start;
            int previous = current % laneLength == 0 ? current + laneLength - 1 : current - 1;
            for (int index = start; index < segment; index++, current++, previous = current - 1) {
                long random;
                if (independent) {
                    if (index == start || index % BLOCK_WORDS == 0) nextAddresses();
                    random = addresses[index % BLOCK_WORDS];
                } else {
                    random = memory[previous * BLOCK_WORDS];
                }
                int refLane = pass == 0 && slice == 0 ? lane : (int) ((random >>> 32) % lanes);
                int refIndex = referenceIndex(pass, slice, index, random & 0xFFFFFFFFL, refLane == lane);
                compress(previous * BLOCK_WORDS, (refLane * laneLength + refIndex) * BLOCK_WORDS, current * BLOCK_WORDS, pass > 0);
            }
        }

        /** The column of the reference block within its lane (RFC 9106, section 3.4.1.2). */
        private int referenceIndex(int pass, int slice, int index, long j1, boolean sameLane) {
            long area;
            if (pass == 0) {
                area = slice == 0 ? index - 1
                        : sameLane ? (long) slice * segment + index - 1
                        : (long) slice * segment + (index == 0 ? -1 : 0);
            } else {
                area = sameLane ? laneLength - segment + index - 1
                        : laneLength - segment + (index == 0 ? -1 : 0);
            }
            long x = (j1 * j1) >>> 32;
            long y = (area * x) >>> 32;
            long relative = area - 1 - y;
            long startAt = pass == 0 || slice == SYNC_POINTS - 1 ? 0 : (long) (slice + 1) * segment;
            return (int) ((startAt + relative) % laneLength);
        }

        /** The next block of pseudo-random addresses: G(0, G(0, input)) with the counter advanced. */
        private void nextAddresses() {
            input[6]++;
            scratch(zero, input, addresses);
            scratch(zero, addresses, addresses);
        }

        /** out = G(x, y) for blocks outside the memory area (the address generator's). */
        private void scratch(long[] x, long[] y, long[] out) {
            for (int w = 0; w < BLOCK_WORDS; w++) r[w] = x[w] ^ y[w];
            System.arraycopy(r, 0, keep, 0, BLOCK_WORDS);
            permute();
            for (int w = 0; w < BLOCK_WORDS; w++) out[w] = keep[w] ^ r[w];
        }

        /** Block next = P(prev ^ ref) ^ (prev ^ ref), and in later passes ^ next as well (version 0x13). */
        private void compress(int prev, int ref, int next, boolean xor) {
            long[] m = memory, r = this.r, keep = this.keep;
            for (int w = 0; w < BLOCK_WORDS; w++) r[w] = m[prev + w] ^ m[ref + w];
            if (xor) {
                for (int w = 0; w < BLOCK_WORDS; w++) keep[w] = r[w] ^ m[next + w];
            } else {
                System.arraycopy(r, 0, keep, 0, BLOCK_WORDS);
            }
            permute();
            for (int w = 0; w < BLOCK_WORDS; w++) m[next + w] = keep[w] ^ r[w];
        }

        /** P on each row of 16 words, then on each column of 8 word pairs. */
        private void permute() {
            long[] v = r;
            for (int row = 0; row < 8; row++) {
                int b = row * 16;
                round(v, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7,
                        b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14, b + 15);
            }
            for (int col = 0; col < 8; col++) {
                int b = col * 2;
                round(v, b, b + 1, b + 16, b + 17, b + 32, b + 33, b + 48, b + 49,
                        b + 64, b + 65, b + 80, b + 81, b + 96, b + 97, b + 112, b + 113);
            }
        }
    }

    /** The Blake2b round without message words, on the multiply-hardened mixing function (RFC 9106, section 3.6). */
    private static void round(long[] v, int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7,
                              int i8, int i9, int i10, int i11, int i12, int i13, int i14, int i15) {
        mix(v, i0, i4, i8, i12);
        mix(v, i1, i5, i9, i13);
        mix(v, i2, i6, i10, i14);
        mix(v, i3, i7, i11, i15);
        mix(v, i0, i5, i10, i15);
        mix(v, i1, i6, i11, i12);
        mix(v, i2, i7, i8, i13);
        mix(v, i3, i4, i9, i14);
    }

    private static void mix(long[] v, int ia, int ib, int ic, int id) {
        long a = v[ia], b = v[ib], c = v[ic], d = v[id];
        a = a + b + 2 * (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
        d = Long.rotateRight(d ^ a, 32);
        c = c + d + 2 * (c & 0xFFFFFFFFL) * (d & 0xFFFFFFFFL);
        b = Long.rotateRight(b ^ c, 24);
        a = a + b + 2 * (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
        d = Long.rotateRight(d ^ a, 16);
        c = c + d + 2 * (c & 0xFFFFFFFFL) * (d & 0xFFFFFFFFL);
        b = Long.rotateRight(b ^ c, 63);
        v[ia] = a;
        v[ib] = b;
        v[ic] = c;
        v[id] = d;
    }

    private static void le32(Blake2bDigest blake, int v) {
        blake.update((byte) v);
        blake.update((byte) (v >>> 8));
        blake.update((byte) (v >>> 16));
        blake.update((byte) (v >>> 24));
    }

    private static void putLe32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static long le64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[at + i] & 0xFF);
        return v;
    }

    private static byte[] toBytes(long[] words, int at) {
        byte[] out = new byte[BLOCK_WORDS * 8];
        for (int w = 0; w < BLOCK_WORDS; w++) {
            long v = words[at + w];
            for (int i = 0; i < 8; i++) out[w * 8 + i] = (byte) (v >>> (8 * i));
        }
        return out;
    }
}
