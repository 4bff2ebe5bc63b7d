package mailroom.core.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A few permits per key (a client network), made on first use and dropped when nobody holds or
 * waits for them, so the map only ever holds the networks active right now.
 */
final class KeyedPermits {
    private static final class Slot {
        final Semaphore permits;
        int users; // holders and waiters; changed only inside the map's compute

        Slot(int permits) {
            this.permits = new Semaphore(permits, true);
        }
    }

    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final int perKey;

    KeyedPermits(int perKey) {
        this.perKey = perKey;
    }

    /** A permit held; closing gives it back. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits for a permit of {@code key}. */
    Permit acquire(String key) throws InterruptedException {
        Slot slot = slots.compute(key, (k, s) -> {
            Slot out = s == null ? new Slot(perKey) : s;
            out.users++;
            return out;
        });
        try {
            slot.permits.acquire();
        } catch (InterruptedException e) {
            leave(key);
            throw e;
        }
        return () -> {
            slot.permits.release();
            leave(key);
        };
    }

    private void leave(String key) {
        slots.computeIfPresent(key, (k, s) -> --s.users == 0 ? null : s);
    }

    /** Keys with holders or waiters now (for tests and the curious). */
    int active() {
        return slots.size();
    }
}
