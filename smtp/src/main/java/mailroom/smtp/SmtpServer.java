package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.net.Listener;
import mailroom.storage.Accounts;
import mailroom.storage.StoreRouter;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** One listener speaking SMTP: the MX port, a submission port, or LMTP on a store. */
public final class SmtpServer implements Closeable {
    public enum Mode {
        /** Mail from other systems to our domains (port 25 + 2000). */
        MX("ESMTP Mailroom"),
        /** Our users' outgoing mail: AUTH over TLS first (RFC 6409). */
        SUBMISSION("ESMTP Mailroom submission"),
        /** From sorters to the store that keeps the mailbox (RFC 2033). */
        LMTP("LMTP Mailroom");

        final String greeting;

        Mode(String greeting) {
            this.greeting = greeting;
        }
    }

    final Mode mode;
    final Config.Smtp settings;
    final String hostname;
    final SSLContext tls;
    final Intake intake;
    final Accounts accounts;
    private final Path spoolDir;
    private final Listener listener;

    /**
     * @param implicitTls handshake before the greeting (submission on 465 + 2000, RFC 8314)
     */
    SmtpServer(Mode mode, int port, boolean implicitTls, Config config, SSLContext tls, Accounts accounts, Intake intake) throws IOException {
        this.mode = mode;
        this.settings = config.smtp;
        this.hostname = config.hostname();
        this.tls = tls;
        this.accounts = accounts;
        this.intake = intake;
        this.spoolDir = config.node.dataDir.resolve("spool");
        String name = mode.name().toLowerCase(java.util.Locale.ROOT) + (implicitTls ? "s" : "");
        this.listener = new Listener(name, new InetSocketAddress(config.node.bind, port), implicitTls ? tls : null,
                settings.maxConnections, accounts.security().connections(name),
                "421 4.3.2 " + hostname + " Too many connections, try again later",
                "421 4.7.0 " + hostname + " Too many connections from your address, try again later",
                connection -> new SmtpSession(this, connection).run());
    }

    /** The MX listener: mail for local recipients, checked and queued. */
    public static SmtpServer mx(Config config, SSLContext tls, Sorter sorter) throws IOException {
        return new SmtpServer(Mode.MX, config.smtp.port, false, config, tls, sorter.accounts(), sorter.mxIntake());
    }

    /** A submission listener: STARTTLS on submission.port, or implicit TLS on submission.tls_port. */
    public static SmtpServer submission(Config config, SSLContext tls, Sorter sorter, boolean implicitTls) throws IOException {
        return new SmtpServer(Mode.SUBMISSION, implicitTls ? config.submission.tlsPort : config.submission.port, implicitTls,
                config, tls, sorter.accounts(), sorter.submissionIntake());
    }

    /** The LMTP listener of a store. */
    public static SmtpServer lmtp(Config config, SSLContext tls, LocalDelivery delivery) throws IOException {
        return lmtp(config, tls, delivery, StoreRouter.SINGLE_NODE);
    }

    /** LMTP on a store of a cluster: mail for accounts at home on another store is passed on to it. */
    public static SmtpServer lmtp(Config config, SSLContext tls, LocalDelivery delivery, StoreRouter router) throws IOException {
        var handoff = new StoreHandoff(delivery, router, java.net.InetAddress.getByName(config.node.bind), config.lmtp.port, config.hostname(), true);
        return new SmtpServer(Mode.LMTP, config.lmtp.port, false, config, tls, delivery.accounts(), new LmtpIntake(delivery, router, handoff));
    }

    Spool spool() {
        return new Spool(spoolDir);
    }

    public int port() {
        return listener.port();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
