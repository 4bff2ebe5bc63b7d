package mailroom.pop3;

import mailroom.core.net.BackendLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Passes a session through to the store that is the account's home, as {@code ImapProxy} does for
 * IMAP: logs in there with AUTH PLAIN and the same credentials, relays the +OK, and splices the
 * connections. When the home cannot be reached, the session is served here.
 */
final class Pop3Proxy {
    private static final Logger log = LoggerFactory.getLogger(Pop3Proxy.class);

    private Pop3Proxy() {}

    /** True when the session went to {@code home} and has ended there; false to serve it here. */
    static boolean handOver(Pop3Session s, String user, String password, InetAddress home) {
        BackendLink link;
        try {
            link = new BackendLink(s.server.bind, home, s.server.settings.port);
        } catch (IOException e) {
            log.warn("home store {} of {} unreachable ({}); serving here", home.getHostAddress(), user, e.getMessage());
            return false;
        }
        try {
            if (!link.readLine().startsWith("+OK")) throw new IOException("no greeting");
            String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            link.send(("AUTH PLAIN " + plain + "\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = link.readLine();
            if (!answer.startsWith("+OK")) throw new IOException("refused: " + answer);
            s.connection.write(answer + "\r\n");
            log.info("pop3 {} passed to its home store {}", user, home.getHostAddress());
        } catch (IOException e) {
            log.warn("passing {} to {} failed ({}); serving here", user, home.getHostAddress(), e.getMessage());
            try {
                link.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            return false;
        }
        try {
            s.connection.splice(link.socket());
        } catch (IOException e) {
            log.debug("proxied session ended: {}", e.toString());
        }
        return true;
    }
}
