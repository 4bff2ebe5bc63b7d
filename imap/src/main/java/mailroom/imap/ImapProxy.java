package mailroom.imap;

import mailroom.core.net.BackendLink;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes a session through to the store that is the account's home (DESIGN section 2). Having
 * checked the password here, the store logs in there with the same credentials and the client's
 * tag, relays that store's answer (with its CAPABILITY, which every store shares), and splices the
 * two connections; the client sees one session. When the home cannot be reached, the session is
 * served here instead: every store can serve every account.
 */
final class ImapProxy {
    private ImapProxy() {}

    /** True when the session went to {@code home} and has ended there; false to serve it here. */
    static boolean handOver(ImapSession s, String tag, String user, String password, InetAddress home) {
        return BackendLink.passThrough(s.connection, s.server.bind, home, s.server.settings.port, "imap " + user, link -> {
            if (!link.readLine().startsWith("* OK")) throw new IOException("no greeting");
            byte[] u = user.getBytes(StandardCharsets.UTF_8), p = password.getBytes(StandardCharsets.UTF_8);
            // Non-synchronising literals (LITERAL+): any octet may be in a password.
            link.send((tag + " LOGIN {" + u.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII), u,
                    (" {" + p.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII), p, "\r\n".getBytes(StandardCharsets.US_ASCII));
            List<String> answer = new ArrayList<>();
            String line;
            while (!(line = link.readLine()).startsWith(tag + " ")) answer.add(line);
            if (!line.startsWith(tag + " OK")) throw new IOException("refused: " + line);
            answer.add(line);
            return answer;
        });
    }
}
