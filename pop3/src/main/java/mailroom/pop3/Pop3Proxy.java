package mailroom.pop3;

import mailroom.core.net.BackendLink;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Passes a session through to the store that is the account's home, as {@code ImapProxy} does for
 * IMAP: logs in there with AUTH PLAIN and the same credentials, relays the +OK, and splices the
 * connections. When the home cannot be reached, the session is served here.
 */
final class Pop3Proxy {
    private Pop3Proxy() {}

    /** True when the session went to {@code home} and has ended there; false to serve it here. */
    static boolean handOver(Pop3Session s, String user, String password, InetAddress home) {
        return BackendLink.passThrough(s.connection, s.server.bind, home, s.server.settings.port, "pop3 " + user, link -> {
            if (!link.readLine().startsWith("+OK")) throw new IOException("no greeting");
            String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            link.send(("AUTH PLAIN " + plain + "\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = link.readLine();
            if (!answer.startsWith("+OK")) throw new IOException("refused: " + answer);
            return List.of(answer);
        });
    }
}
