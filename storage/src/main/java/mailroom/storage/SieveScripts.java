package mailroom.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Each account's Sieve scripts (RFC 5804's model: named scripts, at most one active) and the
 * record of automatic responses sent, which the whole cluster shares so a sender gets one vacation
 * reply per period whichever node delivered.
 */
public interface SieveScripts {

    record Info(String name, boolean active, long size) {}

    /** The active script with its name; empty when the account has none active. */
    record Active(String name, String source) {}

    List<Info> list(long accountId);

    Optional<String> source(long accountId, String name);

    /** Creates or replaces a script; an active script stays active. */
    void put(long accountId, String name, String source);

    /** Deletes a script; false when there is none by that name. */
    boolean delete(long accountId, String name);

    /** Renames a script; fails with {@link Directory.AlreadyExists} when {@code to} is taken, false when {@code from} is missing. */
    boolean rename(long accountId, String from, String to);

    /** Makes {@code name} the active script (null: none); false when there is no such script. */
    boolean activate(long accountId, String name);

    Optional<Active> active(long accountId);

    /**
     * Claims the right to send an automatic response to {@code recipient} under {@code handle}:
     * true (and the time recorded) when none went out within {@code period} before {@code now}.
     */
    boolean claimResponse(long accountId, String handle, String recipient, Instant now, Duration period);

    /**
     * Claims one redirect for the account: true (and counted) while fewer than {@code perDay} were
     * made in the 24 hours before {@code now}.
     */
    boolean claimRedirect(long accountId, Instant now, int perDay);
}
