package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.net.HostPort;
import mailroom.storage.BlobStore;
import mailroom.storage.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Delivery to other mail systems: the domain's MX hosts in preference order (or the domain itself),
 * STARTTLS when offered, one transaction for all recipients at a domain, connections kept for the
 * next message to the same host, and a limit on connections per domain.
 */
final class RemoteDelivery implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(RemoteDelivery.class);
    /** An idle connection older than this is closed rather than reused. */
    private static final Duration KEEP_IDLE = Duration.ofSeconds(30);
    private static final int IDLE_PER_HOST = 2;

    private final Config.Delivery config;
    private final String heloName;
    private final Dns dns;
    private final BlobStore blobs;
    /** Where all outside mail goes instead of the MX hosts, or null. */
    private final HostPort relayHost;
    private final Map<String, Semaphore> perDomain = new ConcurrentHashMap<>();
    private final Map<String, Deque<SmtpClient>> idle = new HashMap<>();

    RemoteDelivery(Config.Delivery config, String heloName, Dns dns, BlobStore blobs) {
        this.config = config;
        this.heloName = heloName;
        this.dns = dns;
        this.blobs = blobs;
        this.relayHost = config.relayHost.isBlank() ? null : HostPort.parse(config.relayHost, 25).orElseThrow();
    }

    /** Delivers to the outside recipients of an entry, domain by domain; one result per recipient. */
    List<RecipientResult> deliver(Queue.Entry entry, List<Queue.Recipient> recipients) throws InterruptedException {
        Map<String, List<Queue.Recipient>> byDomain = new LinkedHashMap<>();
        for (var r : recipients) {
            String address = r.address();
            byDomain.computeIfAbsent(address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT), d -> new ArrayList<>()).add(r);
        }
        List<RecipientResult> results = new ArrayList<>();
        for (var domain : byDomain.entrySet()) {
            Semaphore slots = perDomain.computeIfAbsent(domain.getKey(), d -> new Semaphore(config.connectionsPerDomain));
            slots.acquire();
            try {
                results.addAll(deliverForDomain(entry, domain.getKey(), domain.getValue()));
            } finally {
                slots.release();
            }
        }
        return results;
    }

    private List<RecipientResult> deliverForDomain(Queue.Entry entry, String domain, List<Queue.Recipient> recipients) {
        List<HostPort> hosts;
        try {
            hosts = exchangers(domain);
        } catch (IOException e) {
            return all(recipients, Reply.of(451, "4.4.3", e.getMessage()));
        }
        if (hosts.isEmpty()) return all(recipients, Reply.of(556, "5.1.10", "Domain " + domain + " accepts no mail (null MX)"));
        Reply lastError = Reply.of(451, "4.4.1", "No answer from any mail exchanger of " + domain);
        for (HostPort target : hosts) {
            String host = target.host();
            int port = target.port();
            List<InetAddress> addresses;
            try {
                addresses = dns.addresses(host);
            } catch (IOException e) {
                lastError = Reply.of(451, "4.4.3", e.getMessage());
                continue;
            }
            for (InetAddress address : addresses) {
                try (var lease = borrow(host, new InetSocketAddress(address, port))) {
                    var results = transaction(lease.client, entry, recipients);
                    lease.keep = true;
                    return results;
                } catch (SmtpException e) {
                    // a refusal before any recipient was taken: 5xx is final, 4xx tries the next host
                    if (e.reply().code() >= 500) return all(recipients, e.reply());
                    lastError = e.reply();
                } catch (IOException e) {
                    log.info("delivery to {} ({}) failed: {}", host, address.getHostAddress(), e.getMessage());
                    lastError = Reply.of(451, "4.4.1", host + ": " + e.getMessage());
                }
            }
        }
        return all(recipients, lastError);
    }

    /** MX hosts in order, or the configured relay host. */
    private List<HostPort> exchangers(String domain) throws IOException {
        if (relayHost != null) return List.of(relayHost);
        return dns.mx(domain).stream().map(mx -> new HostPort(mx.host(), config.remotePort)).toList();
    }

    /**
     * MAIL, the RCPTs and DATA, pipelined when the server allows. Recipients refused at RCPT get
     * their own reply; the DATA reply goes to all the others.
     */
    private List<RecipientResult> transaction(SmtpClient client, Queue.Entry entry, List<Queue.Recipient> recipients)
            throws IOException, SmtpException {
        String sender = entry.sender();
        boolean utf8 = !isAscii(sender) || recipients.stream().anyMatch(r -> !isAscii(r.address()));
        if (utf8 && !client.supports("SMTPUTF8")) {
            return all(recipients, Reply.of(553, "5.6.7", client.host() + " does not accept internationalised addresses (SMTPUTF8)"));
        }
        boolean dsn = client.supports("DSN");
        String mail = "MAIL FROM:<" + sender + ">" + (client.supports("8BITMIME") ? " BODY=8BITMIME" : "") + (utf8 ? " SMTPUTF8" : "")
                + (dsn && entry.envelope().ret() != null ? " RET=" + entry.envelope().ret() : "")
                + (dsn && entry.envelope().envid() != null ? " ENVID=" + SmtpCodec.encodeXtext(entry.envelope().envid()) : "");
        boolean pipelining = client.supports("PIPELINING");
        List<String> rcpts = new ArrayList<>();
        for (var r : recipients) {
            String notify = dsn && r.rcpt().notifyOn() != null ? " NOTIFY=" + r.rcpt().notifyOn() : "";
            String orcpt = dsn && r.rcpt().orcpt() != null ? " ORCPT=" + orcptParameter(r.rcpt().orcpt()) : "";
            rcpts.add("RCPT TO:<" + r.address() + ">" + notify + orcpt);
        }
        Reply mailReply;
        List<Reply> rcptReplies = new ArrayList<>();
        if (pipelining) {
            client.pipeline(mail);
            for (String rcpt : rcpts) client.pipeline(rcpt);
            client.flush();
            mailReply = client.read();
            for (int i = 0; i < rcpts.size(); i++) rcptReplies.add(client.read());
        } else {
            mailReply = client.command(mail);
            if (mailReply.code() == 250) for (String rcpt : rcpts) rcptReplies.add(client.command(rcpt));
        }
        if (mailReply.code() != 250) {
            client.reset();
            throw new SmtpException(mailReply);
        }
        List<RecipientResult> results = new ArrayList<>();
        List<Integer> accepted = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            Reply reply = rcptReplies.get(i);
            results.add(new RecipientResult(recipients.get(i).address(), reply));
            if (reply.code() == 250 || reply.code() == 251) accepted.add(i);
        }
        if (accepted.isEmpty()) {
            client.reset();
            return results;
        }
        Reply dataReply = client.command("DATA");
        if (dataReply.code() == 354) {
            try (InputStream message = MessageHeaders.withoutReturnPath(blobs.open(entry.blobId()))) {
                dataReply = client.sendData(message);
            }
        }
        for (int i : accepted) results.set(i, new RecipientResult(recipients.get(i).address(), dataReply));
        log.info("queue {}: {} from <{}> to {} via {}: {} {}", entry.id(), entry.blobId().substring(0, 12), sender,
                accepted.stream().map(i -> recipients.get(i).address()).toList(), client, dataReply.code(), String.join(" ", dataReply.lines()));
        return results;
    }

    /** ORCPT goes out as addr-type;xtext (RFC 3461 section 4.2). */
    private static String orcptParameter(String orcpt) {
        int semicolon = orcpt.indexOf(';');
        return orcpt.substring(0, semicolon + 1) + SmtpCodec.encodeXtext(orcpt.substring(semicolon + 1));
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 128);
    }

    private static List<RecipientResult> all(List<Queue.Recipient> recipients, Reply reply) {
        return recipients.stream().map(r -> new RecipientResult(r.address(), reply)).toList();
    }

    /** A connection on loan: returned to the idle set when {@code keep} is set and it still works. */
    private final class Lease implements AutoCloseable {
        final String key;
        final SmtpClient client;
        boolean keep;

        Lease(String key, SmtpClient client) {
            this.key = key;
            this.client = client;
        }

        @Override
        public void close() {
            if (keep && client.reset()) {
                client.lastUsed = System.nanoTime();
                synchronized (idle) {
                    Deque<SmtpClient> free = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
                    if (free.size() < IDLE_PER_HOST) {
                        free.push(client);
                        return;
                    }
                }
            }
            client.close();
        }
    }

    private Lease borrow(String host, InetSocketAddress address) throws IOException, SmtpException {
        String key = address.toString();
        synchronized (idle) {
            Deque<SmtpClient> free = idle.get(key);
            while (free != null && !free.isEmpty()) {
                SmtpClient client = free.pop();
                if (System.nanoTime() - client.lastUsed < KEEP_IDLE.toNanos() && client.alive()) return new Lease(key, client);
                client.close();
            }
        }
        return new Lease(key, SmtpClient.connect(host, address, heloName, config.connectTimeout, config.commandTimeout, true));
    }

    @Override
    public void close() {
        synchronized (idle) {
            idle.values().forEach(free -> free.forEach(SmtpClient::close));
            idle.clear();
        }
    }
}
