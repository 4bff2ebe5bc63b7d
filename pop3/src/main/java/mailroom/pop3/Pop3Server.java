package mailroom.pop3;

import mailroom.core.config.Config;
import mailroom.core.net.ListenerPair;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;
import mailroom.storage.StoreRouter;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;

/** The POP3 listeners of the store role: plain with STLS (2110) and implicit TLS (2995). */
public final class Pop3Server implements Closeable {
    final Config.Pop3 settings;
    final String hostname;
    final SSLContext tls;
    final Storage storage;
    final Accounts accounts;
    final StoreRouter router;
    /** This node's address, which proxied connections leave from. */
    final java.net.InetAddress bind;
    private final ListenerPair listeners;

    public Pop3Server(Config config, SSLContext tls, Storage storage, Accounts accounts) throws IOException {
        this(config, tls, storage, accounts, StoreRouter.SINGLE_NODE);
    }

    /** With {@code router}, sessions of accounts whose home is another store are passed through to it. */
    public Pop3Server(Config config, SSLContext tls, Storage storage, Accounts accounts, StoreRouter router) throws IOException {
        this.router = router;
        this.bind = java.net.InetAddress.getByName(config.node.bind);
        this.settings = config.pop3;
        this.hostname = config.hostname();
        this.tls = tls;
        this.storage = storage;
        this.accounts = accounts;
        String busy = "-ERR [SYS/TEMP] Too many connections, try again later";
        String limited = "-ERR [SYS/TEMP] Too many connections from your address, try again later";
        this.listeners = ListenerPair.open("pop3", config.node.bind, settings.port, settings.tlsPort, tls,
                settings.maxConnections, accounts.security(), busy, limited, c -> {
                    var session = new Pop3Session(this, c);
                    try {
                        session.run();
                    } finally {
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
