package mailroom.core.config;

import mailroom.core.net.HostPort;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a node's TOML file into {@link Config}. Every failure becomes one {@link ConfigException}
 * whose message names the key and the problem, so start-up can print exactly one clear line.
 */
public final class ConfigLoader {
    private static final Set<String> ROLES = Set.of("store", "sorter", "director", "admin");

    private ConfigLoader() {}

    /** The configuration in {@code file}, or the defaults when {@code file} is null. */
    public static Config load(Path file) {
        if (file == null) return validate(new Config());
        if (!Files.isRegularFile(file)) throw new ConfigException(file.toString(), "no such file");
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException(file.toString(), "not UTF-8 text (TOML is UTF-8)");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "unreadable: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /**
     * The configuration written in {@code toml}; {@code source} names it in errors about its syntax.
     * Anything wrong is a {@link ConfigException} naming the key, never another exception.
     */
    public static Config parse(String toml, String source) {
        return validate(TomlBinder.read(toml, source));
    }

    private static Config validate(Config c) {
        if (c.node.dataDir == null) throw new ConfigException("node.data_dir", "must not be empty");
        requireHostname("mail.domain", c.mail.domain);
        if (!c.node.hostname.isBlank()) requireHostname("node.hostname", c.node.hostname);
        try {
            InetAddress.getByName(c.node.bind);
        } catch (UnknownHostException e) {
            throw new ConfigException("node.bind", "not an address: " + c.node.bind);
        }
        var unknownRoles = c.node.roles.stream().filter(r -> !ROLES.contains(r)).collect(Collectors.toList());
        if (!unknownRoles.isEmpty()) throw new ConfigException("node.roles", "unknown role(s) " + unknownRoles + ", known: " + ROLES);
        requirePort("smtp.port", c.smtp.port);
        requirePort("pop3.port", c.pop3.port);
        requirePort("pop3.tls_port", c.pop3.tlsPort);
        requirePort("imap.port", c.imap.port);
        requirePort("imap.tls_port", c.imap.tlsPort);
        requirePort("submission.port", c.submission.port);
        requirePort("submission.tls_port", c.submission.tlsPort);
        requirePort("lmtp.port", c.lmtp.port);
        requirePort("director.dns_port", c.director.dnsPort);
        requirePort("admin.port", c.admin.port);
        if (!c.director.zone.isBlank()) requireHostname("director.zone", c.director.zone);
        if (!c.node.advertise.isBlank()) {
            try {
                InetAddress.getByName(c.node.advertise);
            } catch (UnknownHostException e) {
                throw new ConfigException("node.advertise", "not an address: " + c.node.advertise);
            }
        }
        if (!c.director.pushServer.isBlank()) {
            HostPort.parse(c.director.pushServer, 53).orElseThrow(() -> new ConfigException("director.push_server", "expected host or host:port, not " + quote(c.director.pushServer)));
            if (c.director.pushKeyName.isBlank() || c.director.pushKeySecret.isBlank()) {
                throw new ConfigException("director.push_key_secret", "director.push_server needs push_key_name and push_key_secret (TSIG)");
            }
        }
        if (c.director.nodeTimeout.compareTo(c.director.heartbeat.multipliedBy(2)) < 0) {
            throw new ConfigException("director.node_timeout", "must be at least twice director.heartbeat");
        }
        requirePort("delivery.remote_port", c.delivery.remotePort);
        switch (c.storage.backend) {
            case "sqlite" -> { }
            case "postgres" -> {
                if (!c.storage.url.startsWith("jdbc:postgresql://")) throw new ConfigException("storage.url", "needs a jdbc:postgresql://host:port/database URL for the postgres backend");
                requirePositive("storage.pool_size", c.storage.poolSize);
                if (c.storage.failoverWait.isNegative()) throw new ConfigException("storage.failover_wait", "must not be negative");
                if (c.storage.patroniPort != 0) requirePort("storage.patroni_port", c.storage.patroniPort);
            }
            default -> throw new ConfigException("storage.backend", "unknown backend " + quote(c.storage.backend) + ", known: sqlite, postgres");
        }
        requirePositive("queue.workers", c.queue.workers);
        requirePositive("delivery.connections_per_domain", c.delivery.connectionsPerDomain);
        requirePositive("queue.retry_initial", c.queue.retryInitial.toMillis());
        if (c.queue.retryMax.compareTo(c.queue.retryInitial) < 0) throw new ConfigException("queue.retry_max", "must not be shorter than queue.retry_initial");
        for (String resolver : c.delivery.resolvers) requireHostPort("delivery.resolvers", resolver);
        if (!c.delivery.relayHost.isBlank()) requireHostPort("delivery.relay_host", c.delivery.relayHost);
        requirePositive("imap.max_append_size", c.imap.maxAppendSize);
        requirePositive("imap.max_connections", c.imap.maxConnections);
        requirePositive("smtp.max_message_size", c.smtp.maxMessageSize);
        requirePositive("smtp.max_recipients", c.smtp.maxRecipients);
        requirePositive("smtp.max_connections", c.smtp.maxConnections);
        requirePositive("pop3.max_connections", c.pop3.maxConnections);
        if (c.smtp.maxLineLength < 998) throw new ConfigException("smtp.max_line_length", "must be at least 998 (RFC 5321)");
        validateSpam(c.spam);
        validateSecurity(c.security);
        if ((c.tls.certFile == null) != (c.tls.keyFile == null)) {
            throw new ConfigException(c.tls.certFile == null ? "tls.cert_file" : "tls.key_file", "set both tls.cert_file and tls.key_file, or neither");
        }
        if (c.tls.certFile != null && !Files.isReadable(c.tls.certFile)) throw new ConfigException("tls.cert_file", "cannot read " + c.tls.certFile);
        if (c.tls.keyFile != null && !Files.isReadable(c.tls.keyFile)) throw new ConfigException("tls.key_file", "cannot read " + c.tls.keyFile);
        return c;
    }

    /** The action names rspamd answers with (its protocol's "action" field). */
    public static final java.util.List<String> SPAM_ACTIONS = java.util.List.of("reject", "soft reject", "greylist", "add header", "rewrite subject");

    private static void validateSpam(Config.Spam spam) {
        if (!spam.rspamdUrl.isBlank()) {
            try {
                var uri = java.net.URI.create(spam.rspamdUrl);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw new ConfigException("spam.rspamd_url", "expected http://host:port, not " + quote(spam.rspamdUrl));
            }
        }
        requirePositive("spam.timeout", spam.timeout.toMillis());
        for (String action : spam.actions) {
            if (!SPAM_ACTIONS.contains(action)) throw new ConfigException("spam.actions", "unknown action " + quote(action) + ", known: " + String.join(", ", SPAM_ACTIONS));
        }
        for (String zone : spam.dnsbl) requireHostname("spam.dnsbl", zone);
    }

    private static void validateSecurity(Config.Security s) {
        for (int i = 0; i < s.allowlist.size(); i++) {
            try {
                mailroom.core.security.ClientNetwork.Cidr.parse(s.allowlist.get(i));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("security.allowlist[" + i + "]", e.getMessage());
            }
        }
        if (s.loginDelay.isNegative()) throw new ConfigException("security.login_delay", "must not be negative"); // 0 turns the delays off
        if (s.loginDelayMax.compareTo(s.loginDelay) < 0) throw new ConfigException("security.login_delay_max", "must not be shorter than security.login_delay");
        requirePositive("security.block_after", s.blockAfter);
        requirePositive("security.block_window", s.blockWindow.toMillis());
        requirePositive("security.block_time", s.blockTime.toMillis());
        requirePositive("security.password_checks_per_address", s.passwordChecksPerAddress);
        requirePositive("security.max_connections_per_address", s.maxConnectionsPerAddress);
        requirePositive("security.max_connection_rate_per_address", s.maxConnectionRatePerAddress);
        requirePositive("security.max_sessions_per_account_address", s.maxSessionsPerAccountAddress);
        requirePositive("security.submission_messages_per_hour", s.submissionMessagesPerHour);
        requirePositive("security.submission_recipients_per_hour", s.submissionRecipientsPerHour);
    }

    private static void requireHostname(String key, String value) {
        if (!mailroom.core.mail.EmailAddress.isHostname(value)) {
            throw new ConfigException(key, "not a domain name: " + quote(value));
        }
    }

    /** "host" or "host:port" with a valid port. */
    private static void requireHostPort(String key, String value) {
        if (mailroom.core.net.HostPort.parse(value, 1).isEmpty()) throw new ConfigException(key, "not host or host:port: " + quote(value));
    }

    private static void requirePort(String key, int port) {
        if (port < 1 || port > 65535) throw new ConfigException(key, "port must be 1..65535, not " + port);
    }

    private static void requirePositive(String key, long value) {
        if (value <= 0) throw new ConfigException(key, "must be positive, not " + value);
    }

    private static String quote(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
