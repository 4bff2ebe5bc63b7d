package mailroom.core.security;

import java.time.Duration;
import java.time.Instant;

/**
 * A login refused without checking the password: the client's network is blocked. Protocols answer
 * it as a temporary refusal (IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP], SMTP 454 4.7.0, HTTP 429).
 */
public final class LoginBlocked extends RuntimeException {
    private final Instant until;

    public LoginBlocked(String network, Instant until) {
        super("Too many failed logins from " + network + ", try again later");
        this.until = until;
    }

    public Instant until() {
        return until;
    }

    /** Whole seconds until the block ends (at least 1), for Retry-After. */
    public long retryAfterSeconds() {
        return Math.max(1, Duration.between(Instant.now(), until).toSeconds());
    }
}
