package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.net.Listener;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/** The SMTP listener of the sorter role (MX, port 2025 by default). */
public final class SmtpServer implements Closeable {
    final Config.Smtp settings;
    final String hostname;
    final SSLContext tls;
    final LocalDelivery delivery;
    private final Listener listener;

    public SmtpServer(Config config, SSLContext tls, LocalDelivery delivery) throws IOException {
        this.settings = config.smtp;
        this.hostname = config.hostname();
        this.tls = tls;
        this.delivery = delivery;
        this.listener = new Listener("smtp", new InetSocketAddress(config.node.bind, settings.port), null,
                settings.maxConnections, "421 4.3.2 " + hostname + " Too many connections, try again later",
                connection -> new SmtpSession(this, connection).run());
    }

    public int port() {
        return listener.port();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
