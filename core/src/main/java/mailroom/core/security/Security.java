package mailroom.core.security;

import mailroom.core.config.Config;

import java.net.InetAddress;
import java.time.Clock;
import java.util.function.Predicate;

/**
 * A node's abuse defences, made once from [security] and shared by every protocol: the login gate,
 * the per-address connection limits of each listener, sessions per account and address, and the
 * sending limits of submission.
 */
public final class Security {
    private final Config.Security settings;
    private final LoginGuard logins;
    private final SessionLimits sessions;
    private final SendingLimits sending;

    /** @param clusterNode true for the addresses of this cluster's nodes, which pass sessions on and are never limited */
    public Security(Config.Security settings, LoginFailures failures, Predicate<InetAddress> clusterNode, Clock clock) {
        this.settings = settings;
        this.logins = new LoginGuard(settings, failures, clusterNode, clock);
        this.sessions = new SessionLimits(settings.maxSessionsPerAccountAddress, logins::exempt);
        this.sending = new SendingLimits(settings.submissionMessagesPerHour, settings.submissionRecipientsPerHour);
    }

    public LoginGuard logins() {
        return logins;
    }

    /** The per-address limits of one more listener (each listener counts its own connections). */
    public ConnectionLimits connections(String listener) {
        return new ConnectionLimits(listener, settings.maxConnectionsPerAddress, settings.maxConnectionRatePerAddress, logins::exempt);
    }

    public SessionLimits sessions() {
        return sessions;
    }

    public SendingLimits sending() {
        return sending;
    }
}
