package mailroom.core.security;

import mailroom.core.metrics.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an account may submit per hour: messages (counted at MAIL) and recipients (at RCPT), over a
 * sliding hour of one-minute buckets, on this node. A stolen password then sends at this pace, not
 * at full speed, while the owner's ordinary mail never comes near it.
 */
public final class SendingLimits {
    private static final Logger log = LoggerFactory.getLogger(SendingLimits.class);
    private static final int SWEEP_EVERY = 4096;

    /** Sixty one-minute buckets: counts, and the minute each count belongs to. */
    private static final class Hour {
        final int[] counts = new int[60];
        final long[] minutes = new long[60];

        int total(long minute) {
            int sum = 0;
            for (int i = 0; i < 60; i++) if (minute - minutes[i] < 60) sum += counts[i];
            return sum;
        }

        void add(long minute) {
            int i = (int) (minute % 60);
            if (minutes[i] != minute) {
                minutes[i] = minute;
                counts[i] = 0;
            }
            counts[i]++;
        }
    }

    private final int messagesPerHour, recipientsPerHour;
    private final Map<String, Hour> hours = new ConcurrentHashMap<>();
    private final AtomicInteger uses = new AtomicInteger();

    public SendingLimits(int messagesPerHour, int recipientsPerHour) {
        this.messagesPerHour = messagesPerHour;
        this.recipientsPerHour = recipientsPerHour;
    }

    /** Counts a message of {@code account}, or throws {@link LimitExceeded} when it has sent its hour's worth. */
    public void message(String account) {
        count(account, "messages", messagesPerHour, LimitExceeded.Kind.MESSAGES);
    }

    /** Counts a recipient of {@code account}, or throws {@link LimitExceeded}. */
    public void recipient(String account) {
        count(account, "recipients", recipientsPerHour, LimitExceeded.Kind.RECIPIENTS);
    }

    private void count(String account, String what, int limit, LimitExceeded.Kind kind) {
        long minute = System.currentTimeMillis() / 60_000;
        boolean[] over = new boolean[1];
        hours.compute(what + " " + account, (k, h) -> {
            Hour out = h == null ? new Hour() : h;
            if (out.total(minute) >= limit) over[0] = true;
            else out.add(minute);
            return out;
        });
        if (uses.incrementAndGet() % SWEEP_EVERY == 0) {
            for (String key : hours.keySet()) hours.computeIfPresent(key, (k, h) -> h.total(minute) == 0 ? null : h);
        }
        if (over[0]) {
            Meters.limitRefused(kind.label, "submission");
            log.warn("submission limit: {} has sent to its limit of {} {} an hour", account, limit, what);
            throw new LimitExceeded(kind, "Sending limit reached (" + limit + " " + what + " an hour), try again later");
        }
    }
}
