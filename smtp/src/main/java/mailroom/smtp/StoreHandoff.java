package mailroom.smtp;

import mailroom.storage.Account;
import mailroom.storage.Queue;
import mailroom.storage.StoreRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a sorter files local mail (DESIGN section 2): over LMTP to each recipient's home store, so
 * that mail arrives where the account's sessions are; to another live store when the home is down
 * or draining; and straight into the shared storage when this node is a store itself (a single node
 * files everything so) or no store answers, since mail is never held back for want of a store. The queue entry's token travels as the private MAIL
 * parameter XQUEUE, so a hand-off that is retried after a crash files nothing twice.
 */
final class StoreHandoff {
    private static final Logger log = LoggerFactory.getLogger(StoreHandoff.class);
    private static final Duration CONNECT = Duration.ofSeconds(3), COMMAND = Duration.ofMinutes(2);

    private final LocalDelivery direct;
    private final StoreRouter router;
    private final InetAddress bind;
    private final int lmtpPort;
    private final String name;
    /** This node is a store too: what has no other home is filed here, directly. */
    private final boolean selfIsStore;
    private final AtomicInteger rotation = new AtomicInteger();

    StoreHandoff(LocalDelivery direct, StoreRouter router, InetAddress bind, int lmtpPort, String name, boolean selfIsStore) {
        this.direct = direct;
        this.selfIsStore = selfIsStore;
        this.router = router;
        this.bind = bind;
        this.lmtpPort = lmtpPort;
        this.name = name;
    }

    /** What is handed over: the envelope sender, the stored message, and the token that makes filing idempotent (or null). */
    record Mail(String sender, String blobId, String token) {
        static Mail of(Queue.Entry entry) {
            return new Mail(entry.sender(), entry.blobId(), entry.token());
        }
    }

    /** One result per address, in order. */
    List<RecipientResult> deliver(Mail entry, List<String> addresses) throws IOException {
        // Recipients by home store; those without one (unknown, or home down) go to any live store.
        Map<Optional<InetAddress>, List<String>> byHome = new LinkedHashMap<>();
        for (String address : addresses) {
            Optional<InetAddress> home = direct.account(address).flatMap(router::elsewhere);
            byHome.computeIfAbsent(home, h -> new ArrayList<>()).add(address);
        }
        Map<String, RecipientResult> results = new HashMap<>();
        for (var group : byHome.entrySet()) {
            for (var r : deliverGroup(entry, group.getKey(), group.getValue())) results.put(r.address(), r);
        }
        return addresses.stream().map(results::get).toList();
    }

    private List<RecipientResult> deliverGroup(Mail entry, Optional<InetAddress> home, List<String> addresses) throws IOException {
        if (home.isEmpty() && selfIsStore) return direct.deliver(entry.blobId(), entry.sender(), addresses, entry.token());
        List<InetAddress> candidates = new ArrayList<>();
        home.ifPresent(candidates::add);
        List<InetAddress> live = router.liveStores();
        int start = live.isEmpty() ? 0 : Math.floorMod(rotation.getAndIncrement(), live.size());
        for (int i = 0; i < live.size(); i++) {
            InetAddress store = live.get((start + i) % live.size());
            if (!candidates.contains(store) && !store.equals(bind)) candidates.add(store); // never to ourselves
        }
        for (InetAddress store : candidates) {
            try {
                return lmtp(entry, store, addresses);
            } catch (IOException | SmtpException e) {
                log.warn("LMTP to store {} failed ({}); trying the next", store.getHostAddress(), e.getMessage());
            }
        }
        return direct.deliver(entry.blobId(), entry.sender(), addresses, entry.token()); // no store answers: file it ourselves
    }

    /** One LMTP transaction: a reply per recipient at RCPT, and for those accepted one more after the data. */
    private List<RecipientResult> lmtp(Mail entry, InetAddress store, List<String> addresses) throws IOException, SmtpException {
        try (var client = SmtpClient.lmtp(new InetSocketAddress(store, lmtpPort), bind, name, CONNECT, COMMAND)) {
            if (!client.supports("XQUEUE")) throw new SmtpException(554, "5.5.1", "store does not take XQUEUE");
            SmtpClient.expect(client.command("MAIL FROM:<" + entry.sender() + ">" + (entry.token() == null ? "" : " XQUEUE=" + entry.token())), 250);
            List<RecipientResult> results = new ArrayList<>();
            List<Integer> accepted = new ArrayList<>();
            for (String address : addresses) {
                Reply reply = client.command("RCPT TO:<" + address + ">");
                if (reply.code() == 250) accepted.add(results.size());
                results.add(new RecipientResult(address, reply));
            }
            if (accepted.isEmpty()) return results;
            SmtpClient.expect(client.command("DATA"), 354);
            Reply first;
            try (InputStream message = MessageHeaders.withoutReturnPath(direct.storage().blobs().open(entry.blobId()))) {
                first = client.sendData(message);
            }
            for (int n = 0; n < accepted.size(); n++) { // RFC 2033 section 4.2: one reply per accepted recipient
                int i = accepted.get(n);
                results.set(i, new RecipientResult(addresses.get(i), n == 0 ? first : client.read()));
            }
            client.command("QUIT");
            return results;
        }
    }
}
