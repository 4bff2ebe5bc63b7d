package mailroom.imap;

import mailroom.core.config.Config;
import mailroom.core.net.ListenerPair;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;

/** The IMAP listeners of the store role: STARTTLS on 2143 and implicit TLS on 2993 by default. */
public final class ImapServer implements Closeable {
    final Config.Imap settings;
    final String hostname;
    final SSLContext tls;
    final Storage storage;
    final Accounts accounts;
    private final ListenerPair listeners;

    public ImapServer(Config config, SSLContext tls, Storage storage, Accounts accounts) throws IOException {
        this.settings = config.imap;
        this.hostname = config.hostname();
        this.tls = tls;
        this.storage = storage;
        this.accounts = accounts;
        String busy = "* BYE [UNAVAILABLE] Too many connections, try again later";
        this.listeners = ListenerPair.open("imap", config.node.bind, settings.port, settings.tlsPort, tls,
                settings.maxConnections, busy, c -> new ImapSession(this, c).run());
    }

    public int port() {
        return listeners.plain().port();
    }

    public int tlsPort() {
        return listeners.secure().port();
    }

    @Override
    public void close() throws IOException {
        listeners.close();
    }
}
