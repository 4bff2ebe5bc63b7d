package mailroom.imap;

import mailroom.core.config.Config;
import mailroom.core.net.ListenerPair;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;
import mailroom.storage.StoreRouter;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;

/** The IMAP listeners of the store role: STARTTLS on 2143 and implicit TLS on 2993 by default. */
public final class ImapServer implements Closeable {
    final Config.Imap settings;
    final String hostname;
    final SSLContext tls;
    final Storage storage;
    /** What never changes about the messages this node's sessions have read, shared by all of them. */
    final MessageFacts facts = new MessageFacts();
    final Accounts accounts;
    final StoreRouter router;
    /** This node's address, which proxied connections leave from. */
    final java.net.InetAddress bind;
    private final ListenerPair listeners;

    public ImapServer(Config config, SSLContext tls, Storage storage, Accounts accounts) throws IOException {
        this(config, tls, storage, accounts, StoreRouter.SINGLE_NODE);
    }

    /** With {@code router}, sessions of accounts whose home is another store are passed through to it. */
    public ImapServer(Config config, SSLContext tls, Storage storage, Accounts accounts, StoreRouter router) throws IOException {
        this.router = router;
        this.bind = java.net.InetAddress.getByName(config.node.bind);
        this.settings = config.imap;
        this.hostname = config.hostname();
        this.tls = tls;
        this.storage = storage;
        this.accounts = accounts;
        String busy = "* BYE [UNAVAILABLE] Too many connections, try again later";
        String limited = "* BYE [LIMIT] Too many connections from your address, try again later";
        this.listeners = ListenerPair.open("imap", config.node.bind, settings.port, settings.tlsPort, tls,
                settings.maxConnections, accounts.security(), busy, limited, c -> {
                    var session = new ImapSession(this, c);
                    try {
                        session.run();
                    } finally {
                        session.unselect();
                        session.endSession.run();
                    }
                });
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
