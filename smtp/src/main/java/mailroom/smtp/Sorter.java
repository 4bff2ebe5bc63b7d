package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.mail.EmailAddress;
import mailroom.smtp.spam.Dnsbl;
import mailroom.smtp.spam.SpamCheck;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Queue;
import mailroom.storage.Storage;
import mailroom.storage.StoreRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The sorter role: takes mail in (MX and submission), makes it durable in the queue before saying
 * 250, and has the {@link QueueRunner} deliver it, locally or to the outside.
 */
public final class Sorter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sorter.class);

    private final Config config;
    private final String hostname;
    private final Storage storage;
    private final Accounts accounts;
    private final LocalDelivery local;
    private final Recipients recipients;
    private final AuthenticationChecks checks;
    /** Spam defences of the MX port, each null when not configured. */
    private final Dnsbl dnsbl;
    private final SpamCheck spam;
    private final RemoteDelivery remote;
    private final QueueRunner runner;

    /** @param owner the name this sorter holds queue leases under (the node's name) */
    public Sorter(Config config, Storage storage, Accounts accounts, String owner) throws IOException {
        this(config, storage, accounts, owner, StoreRouter.SINGLE_NODE);
    }

    /** A sorter of a cluster, which hands local mail to each recipient's home store over LMTP ({@code router} knows where). */
    public Sorter(Config config, Storage storage, Accounts accounts, String owner, StoreRouter router) throws IOException {
        this.config = config;
        this.hostname = config.hostname();
        this.storage = storage;
        this.accounts = accounts;
        this.local = new LocalDelivery(storage, accounts, config);
        this.recipients = new Recipients(accounts, storage.directory(), hostname);
        Dns dns = new Dns(config.delivery);
        this.checks = config.smtp.checkAuthentication ? new AuthenticationChecks(hostname, dns) : null;
        this.dnsbl = config.spam.dnsbl.isEmpty() ? null : new Dnsbl(config.spam.dnsbl, dns.resolver());
        this.spam = SpamCheck.of(config.spam, hostname).orElse(null);
        this.remote = new RemoteDelivery(config.delivery, hostname, dns, storage.blobs());
        var handoff = new StoreHandoff(local, router, java.net.InetAddress.getByName(config.node.bind), config.lmtp.port, hostname,
                config.node.roles.contains("store"));
        this.runner = new QueueRunner(config, storage, handoff, remote, recipients::isLocal, owner);
    }

    /** Starts delivering what is queued. */
    public void start() {
        runner.start();
    }

    public Accounts accounts() {
        return accounts;
    }

    Intake mxIntake() {
        return new MxIntake();
    }

    Intake submissionIntake() {
        return new SubmissionIntake();
    }

    /** Mail from other systems: local recipients only, checked, tagged and queued. */
    private final class MxIntake implements Intake {
        @Override
        public void sender(SmtpSession session, SmtpCodec.PathArgument sender) {
            // anyone may send to our users; SPF and DMARC judge the sender after DATA
        }

        /**
         * Nobody relays through this port (RFC 5321 section 3.6.2). Tricks such as "user%other@local",
         * quoted "user@other"@local or "other!user@local" are ordinary local parts here, so they find no
         * account and are refused like any unknown user.
         */
        @Override
        public List<String> recipient(SmtpSession s, EmailAddress address) throws SmtpException {
            // A listed client is refused here rather than at the greeting, as Postfix does by default
            // (smtpd_delay_reject): clients retry a refused greeting at once, and the log shows sender and recipient.
            var listing = dnsbl == null ? java.util.Optional.<Dnsbl.Listing>empty() : dnsbl.check(s.connection.remote().getAddress());
            if (listing.isPresent()) {
                throw new SmtpException(554, "5.7.1", "Service unavailable; client [" + s.connection.remote().getAddress().getHostAddress()
                        + "] blocked using " + listing.get().zone());
            }
            if (!recipients.isLocal(address.domain())) throw new SmtpException(554, "5.7.1", "<" + address + ">: Relay access denied");
            List<String> targets = recipients.expand(address);
            if (targets.isEmpty()) throw new SmtpException(550, "5.1.1", "<" + address + ">: Recipient address rejected: no such user");
            if (targets.size() == 1 && s.declaredSize > 0) { // refuse early what will not fit (RFC 1870)
                var account = local.account(targets.get(0));
                if (account.isPresent() && local.overQuota(account.get(), s.declaredSize)) {
                    throw new SmtpException(452, "4.2.2", "<" + address + ">: Mailbox full, try again later");
                }
            }
            return targets;
        }

        @Override
        public List<Reply> accept(SmtpSession s, Spool message) throws SmtpException, IOException {
            StringBuilder front = new StringBuilder(Trace.returnPath(s)).append(Trace.received(s));
            if (checks != null) {
                String mailFrom = s.sender.isNullPath() ? "" : s.sender.address().toString();
                var verdict = checks.check(s.connection.remote().getAddress().getHostAddress(), s.heloName, mailFrom, message.headers(), message);
                if (verdict.dmarcReject() && config.smtp.dmarcReject) {
                    throw new SmtpException(550, "5.7.1", "Rejected by the DMARC policy of " + verdict.fromDomain());
                }
                front.append(verdict.header());
            }
            if (spam != null) front.append(score(s, front.toString(), message));
            return List.of(queue(s, front.toString(), message, s.user));
        }

        /** The scoring stage: rspamd's refusal as an SMTP error, else the header fields to add. */
        private String score(SmtpSession s, String front, Spool message) throws SmtpException, IOException {
            var envelope = new SpamCheck.Envelope(s.connection.id(), s.connection.remote().getAddress().getHostAddress(), s.heloName,
                    s.sender.isNullPath() ? "" : s.sender.address().toString(), s.recipients.stream().map(r -> r.address().toString()).toList());
            SpamCheck.Decision decision;
            try {
                decision = spam.check(envelope, front, message.size(), message::open);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("stopped while scoring");
            }
            return switch (decision) {
                case SpamCheck.Decision.Refuse r -> throw new SmtpException(r.code(), r.status(), r.text());
                case SpamCheck.Decision.Accept a -> a.headers();
            };
        }
    }

    /** Our users' outgoing mail: from addresses they own, completed (Date, Message-ID), signed and queued. */
    private final class SubmissionIntake implements Intake {
        @Override
        public void sender(SmtpSession s, SmtpCodec.PathArgument sender) throws SmtpException {
            if (sender.isNullPath() || !recipients.mayUseSender(s.user, sender.address())) {
                throw new SmtpException(553, "5.7.1", "<" + sender.raw() + ">: Sender address not owned by " + s.user.address());
            }
        }

        @Override
        public List<String> recipient(SmtpSession s, EmailAddress address) throws SmtpException {
            if (!recipients.isLocal(address.domain())) return List.of(address.toString());
            List<String> targets = recipients.expand(address);
            if (targets.isEmpty()) throw new SmtpException(550, "5.1.1", "<" + address + ">: Recipient address rejected: no such user");
            return targets;
        }

        @Override
        public List<Reply> accept(SmtpSession s, Spool message) throws SmtpException, IOException {
            String headers = message.headers();
            // RFC 6409 section 8: a submission server may add what the client left out.
            StringBuilder added = new StringBuilder();
            if (!MessageHeaders.has(headers, "Date")) added.append("Date: ").append(Trace.now()).append("\r\n");
            if (!MessageHeaders.has(headers, "Message-ID")) added.append("Message-ID: <").append(UUID.randomUUID()).append("@").append(hostname).append(">\r\n");
            // Sent on behalf of another account (delegation): the person who sent it is named (RFC 5322 section 3.6.2).
            var onBehalfOf = MessageHeaders.fromAddress(headers).flatMap(from -> recipients.delegator(s.user, from));
            if (onBehalfOf.isPresent() && !MessageHeaders.has(headers, "Sender")) added.append("Sender: ").append(s.user.address()).append("\r\n");
            String signature = "";
            var fromDomain = MessageHeaders.fromAddress(headers).map(EmailAddress::domain);
            var key = fromDomain.flatMap(d -> storage.directory().dkimKey(d));
            if (key.isPresent()) {
                try (InputStream in = new SequenceInputStream(bytes(added.toString()), message.open())) {
                    signature = Dkim.sign(key.get(), in);
                }
            }
            String front = Trace.returnPath(s) + Trace.received(s) + signature + added;
            Reply reply = queue(s, front, message, onBehalfOf.orElse(s.user));
            return List.of(reply);
        }
    }

    /**
     * Writes the blob (our fields in front of the message), queues it for every recipient, and files
     * the Sent copy when asked; returns the 250 only once the queue entry is committed.
     */
    private Reply queue(SmtpSession s, String front, Spool message, Account sentBy) throws IOException {
        String blobId = message.store(storage.blobs(), front);
        List<Queue.Rcpt> rcpts = new ArrayList<>();
        for (var accepted : s.recipients) {
            for (String target : accepted.deliverTo()) {
                String orcpt = accepted.orcpt() != null ? accepted.orcpt()
                        : target.equalsIgnoreCase(accepted.address().toString()) ? null : "rfc822;" + accepted.address();
                rcpts.add(new Queue.Rcpt(target, accepted.notifyOn(), orcpt));
            }
        }
        String sender = s.sender.isNullPath() ? "" : s.sender.address().toString();
        long id = storage.queue().enqueue(new Queue.Envelope(sender, rcpts, s.envid, s.ret), blobId, Instant.now());
        runner.wake();
        // A client files its own Sent copy when save_sent is off; one sent on behalf of another account
        // goes to that account's Sent always, since the client would file it in the person's own.
        boolean delegated = sentBy != null && s.user != null && sentBy.id() != s.user.id();
        if (sentBy != null && (config.submission.saveSent || delegated)) local.fileCopy(blobId, sentBy, "Sent", Set.of("\\Seen"));
        log.info("queued {} from <{}> for {} as {}", blobId.substring(0, 12), sender, rcpts.stream().map(Queue.Rcpt::address).toList(), id);
        return Reply.of(250, "2.0.0", "Ok: queued as " + id);
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        runner.close();
        remote.close();
        if (spam != null) spam.close();
    }
}
