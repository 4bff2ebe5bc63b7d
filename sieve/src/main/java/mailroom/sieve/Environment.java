package mailroom.sieve;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Set;

/** What a running script may ask of the account and the node it runs for. */
public interface Environment {

    /** Whether the account has this mailbox ({@code mailboxexists}, RFC 5490). */
    boolean mailboxExists(String name);

    /** The script {@code include} names: the account's own, or from the global scripts. */
    Optional<String> includeSource(boolean global, String name);

    /** The account's own addresses: vacation answers only mail sent to one of them, never from one. */
    Set<String> ownAddresses();

    /** For {@code currentdate}, and the zone {@code date} converts to by default. */
    default Instant now() {
        return Instant.now();
    }

    default ZoneId zone() {
        return ZoneId.systemDefault();
    }

    /** The most redirects one run may make (RFC 5228 section 4.2 asks for a limit). */
    default int maxRedirects() {
        return 4;
    }
}
