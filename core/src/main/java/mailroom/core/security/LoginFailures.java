package mailroom.core.security;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Failed logins and blocked networks, kept where every node of a cluster sees them (the database),
 * so guessing on several stores adds up. Networks are {@link ClientNetwork} keys; logins are
 * lower-cased as given (unknown accounts are counted too).
 */
public interface LoginFailures {
    /** A network's standing: when its block ends (empty when not blocked), and its failures in the window. */
    record Standing(Optional<Instant> blockedUntil, int recentFailures) {}

    /** After a failure: the network's and the login's failures in the window, this one included. */
    record Counts(int network, int login) {}

    /** A blocked network, with what led to the block. */
    record Block(String network, Instant since, Instant until, int failures, String lastLogin, String lastProtocol) {}

    /** The standing of {@code network} at {@code now}, counting failures after {@code since}. */
    Standing standing(String network, Instant since, Instant now);

    /** Records a failure and counts, in the same transaction, the network's and the login's failures after {@code since}. */
    Counts recordFailure(String network, String login, String protocol, Instant at, Instant since);

    /** Blocks a network (or extends its block). */
    void block(Block block);

    /** The blocks still in force at {@code now}, the newest first. */
    List<Block> blocks(Instant now);

    /** Lifts a network's block and forgets its failures; false when it was neither blocked nor failing. */
    boolean unblock(String network);

    /** Drops failures from before {@code failuresBefore} and blocks that ended before {@code now}. */
    void forget(Instant failuresBefore, Instant now);
}
