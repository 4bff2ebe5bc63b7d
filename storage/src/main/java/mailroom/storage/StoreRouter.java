package mailroom.storage;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Which store a user's sessions belong on. In a cluster every store can serve every account (they
 * share the storage), but each account has one home, so its sessions meet on one node; a store
 * that is not the home passes the session through to it. On a single node everything is home.
 */
public interface StoreRouter {
    StoreRouter SINGLE_NODE = new StoreRouter() {
        @Override
        public Optional<InetAddress> elsewhere(Account account) {
            return Optional.empty();
        }

        @Override
        public boolean fromNode(InetAddress peer) {
            return false;
        }

        @Override
        public List<InetAddress> liveStores() {
            return List.of();
        }
    };

    /** The address of the live store that is {@code account}'s home, when that is another node; empty: serve it here. */
    Optional<InetAddress> elsewhere(Account account);

    /**
     * True for a connection from another node of the cluster: a proxying store, which has already
     * required TLS of the client. Such a connection may log in without TLS and is never passed on again.
     */
    boolean fromNode(InetAddress peer);

    /** The addresses of the stores that are up and not draining, for mail whose home cannot take it. */
    List<InetAddress> liveStores();
}
