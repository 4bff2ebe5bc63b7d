package mailroom.sieve.manage;

import mailroom.core.config.Config;
import mailroom.core.net.Listener;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;
import mailroom.storage.StoreRouter;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** ManageSieve (RFC 5804) on a store: users read and write their Sieve scripts (port 6190, STARTTLS). */
public final class ManageSieveServer implements Closeable {
    final Config.Sieve settings;
    final String hostname;
    final SSLContext tls;
    final Storage storage;
    final Accounts accounts;
    final StoreRouter router;
    /** This node's address, which proxied connections leave from. */
    final InetAddress bind;
    private final Listener listener;

    public ManageSieveServer(Config config, SSLContext tls, Storage storage, Accounts accounts, StoreRouter router) throws IOException {
        this.settings = config.sieve;
        this.hostname = config.hostname();
        this.tls = tls;
        this.storage = storage;
        this.accounts = accounts;
        this.router = router;
        this.bind = InetAddress.getByName(config.node.bind);
        this.listener = new Listener("managesieve", new InetSocketAddress(bind, settings.port), null, settings.maxConnections,
                accounts.security().connections("managesieve"), "BYE \"Too many connections, try again later\"",
                "BYE (TRYLATER) \"Too many connections from your address, try again later\"", c -> new ManageSieveSession(this, c).run());
    }

    public int port() {
        return listener.port();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
