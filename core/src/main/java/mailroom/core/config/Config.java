package mailroom.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The whole configuration of one node, as read from its TOML file. Every key has a default, so an
 * empty file (or none) gives a working single-node setup on loopback. Keys are snake_case in TOML;
 * see README "Configuration" for the reference. {@link TomlBinder} reads a file onto these fields by
 * their types: a {@code Duration} is written "30s" or "5m", a {@code long} is a size in bytes
 * ("25MB"), an enum is its name in lower case.
 */
public final class Config {
    public Node node = new Node();
    public Mail mail = new Mail();
    public Smtp smtp = new Smtp();
    public Submission submission = new Submission();
    public Lmtp lmtp = new Lmtp();
    public Queue queue = new Queue();
    public Delivery delivery = new Delivery();
    public Pop3 pop3 = new Pop3();
    public Imap imap = new Imap();
    public Tls tls = new Tls();
    public Storage storage = new Storage();
    public Director director = new Director();
    public Admin admin = new Admin();
    public Sieve sieve = new Sieve();
    public Jmap jmap = new Jmap();
    public Spam spam = new Spam();
    public Security security = new Security();

    public static final class Node {
        /** Name of this node in logs and, later, in the cluster's directory. */
        public String name = "mailroom";
        /** Host name used in greetings, Received headers and the self-signed certificate. Empty: mail.DOMAIN. */
        public String hostname = "";
        /** Address every listener binds to. */
        public String bind = "127.0.0.1";
        /** Address other nodes and clients reach this node at, published in DNS; empty: the bind address. */
        public String advertise = "";
        /** Where the database, message files and TLS material live; relative to the working directory. */
        public Path dataDir = Path.of("var");
        /** Roles this node runs; the embedded default runs them all. */
        public List<String> roles = List.of("store", "sorter", "director", "admin");
    }

    public static final class Mail {
        /** The first local domain; postmaster@ of it is created on first start. */
        public String domain = "example.test";
    }

    public static final class Smtp {
        public int port = 2025;
        public long maxMessageSize = 25L * 1024 * 1024;
        public int maxRecipients = 100;
        /** Longest line accepted in message data, CRLF excluded (RFC 5321 4.5.3.1.6 asks for at least 998). */
        public int maxLineLength = 8192;
        public Duration commandTimeout = Duration.ofMinutes(5);
        public Duration dataTimeout = Duration.ofMinutes(10);
        /** Connections served at once; further ones are told 421 and closed. */
        public int maxConnections = 2000;
        /** Check SPF, DKIM and DMARC on mail from outside and record them in Authentication-Results. */
        public boolean checkAuthentication = true;
        /** Refuse (550 5.7.1) mail that fails DMARC when the sender's domain publishes p=reject. */
        public boolean dmarcReject = false;
    }

    /** Users' outgoing mail (RFC 6409): AUTH required, and only over TLS. */
    public static final class Submission {
        /** STARTTLS port (587 + 2000). */
        public int port = 2587;
        /** Implicit TLS port (465 + 2000, RFC 8314). */
        public int tlsPort = 2465;
        /** File a copy of what a user sends into their Sent folder (for clients that do not). */
        public boolean saveSent = false;
    }

    /** LMTP (RFC 2033): how sorters hand mail to the store that keeps it. */
    public static final class Lmtp {
        public int port = 2424;
    }

    public static final class Queue {
        /** Wait before the first retry of a temporary failure; it doubles up to retry_max. */
        public Duration retryInitial = Duration.ofMinutes(5);
        public Duration retryMax = Duration.ofHours(4);
        /** After this long in the queue a message is returned to its sender as undeliverable. */
        public Duration giveUpAfter = Duration.ofDays(5);
        /** Warn the sender (a "delayed" DSN) once when a message is still queued after this long; 0 never. */
        public Duration delayWarning = Duration.ofHours(4);
        /** How long a sorter may hold a claimed entry; when it dies, another sorter takes over after this. */
        public Duration lease = Duration.ofMinutes(5);
        /** Queue entries delivered at once by this sorter. */
        public int workers = 32;
    }

    /** Outbound delivery to other mail systems. */
    public static final class Delivery {
        /** DNS servers for MX, SPF, DKIM and DMARC look-ups ("host" or "host:port"); empty: the system's. */
        public List<String> resolvers = List.of();
        public Duration dnsTimeout = Duration.ofSeconds(5);
        /** Port of remote MX hosts; only tests change it. */
        public int remotePort = 25;
        /** Send all remote mail through this host ("host" or "host:port") instead of looking up MX. */
        public String relayHost = "";
        /** Connections at once to one destination domain. */
        public int connectionsPerDomain = 4;
        public Duration connectTimeout = Duration.ofSeconds(30);
        /** RFC 5321 section 4.5.3.2 suggests minutes per command; we stay on the short side. */
        public Duration commandTimeout = Duration.ofMinutes(5);
    }

    /** Mail rules: Sieve at delivery, and ManageSieve (RFC 5804) on stores. */
    public static final class Sieve {
        /** ManageSieve's port: 4190 + 2000. */
        public int port = 6190;
        /** Where AUTHENTICATE PLAIN works without TLS (SCRAM-SHA-256 is offered everywhere). */
        public PlaintextAuth plaintextAuth = PlaintextAuth.LOOPBACK;
        public Duration idleTimeout = Duration.ofMinutes(10);
        public int maxConnections = 500;
        /** Largest script accepted (HAVESPACE and PUTSCRIPT answer QUOTA/MAXSIZE beyond it). */
        public long maxScriptSize = 64 * 1024;
        /** Scripts one account may keep. */
        public int maxScripts = 20;
        /** Redirects one run of a script may make. */
        public int maxRedirects = 4;
        /** Redirects one account's rules may make in a day, so a rule cannot turn the account into a relay. */
        public int maxRedirectsPerDay = 200;
        /** Where {@code include :global} finds scripts ("NAME.sieve"); empty: DATA_DIR/sieve-global. */
        public String globalDir = "";
    }

    /** JMAP (RFC 8620/8621) over HTTPS on stores; the limits are the ones the session resource announces. */
    public static final class Jmap {
        /** HTTPS port: 443 + 2000. */
        public int port = 2443;
        /** Largest blob one upload may bring. */
        public long maxSizeUpload = 50L * 1024 * 1024;
        /** Uploads one account may run at once. */
        public int maxConcurrentUpload = 4;
        /** Largest API request body. */
        public long maxSizeRequest = 10L * 1024 * 1024;
        /** API requests one account may run at once. */
        public int maxConcurrentRequests = 4;
        public int maxCallsInRequest = 16;
        public int maxObjectsInGet = 500;
        public int maxObjectsInSet = 500;
        /** EventSource connections one account may hold open. */
        public int maxPushConnections = 8;
    }

    public static final class Pop3 {
        public int port = 2110;
        public int tlsPort = 2995;
        /**
         * When USER/PASS and AUTH PLAIN may be used without TLS: "never" (TLS only), "loopback"
         * (TLS, or a client on this machine), "always" (not recommended).
         */
        public PlaintextAuth plaintextAuth = PlaintextAuth.LOOPBACK;
        public Duration idleTimeout = Duration.ofMinutes(10);
        public int maxConnections = 2000;
    }

    public static final class Imap {
        public int port = 2143;
        public int tlsPort = 2993;
        /** Where LOGIN and AUTHENTICATE PLAIN work without TLS (LOGINDISABLED elsewhere). */
        public PlaintextAuth plaintextAuth = PlaintextAuth.LOOPBACK;
        /** RFC 3501 section 5.4: at least 30 minutes once logged in. */
        public Duration idleTimeout = Duration.ofMinutes(30);
        /** Before login, clients get less patience. */
        public Duration loginTimeout = Duration.ofMinutes(1);
        /** Largest message APPEND takes (APPENDLIMIT, RFC 7889). */
        public long maxAppendSize = 25L * 1024 * 1024;
        public int maxConnections = 10000;
        /**
         * When an account's home moves to another store, its sessions here keep working for this long,
         * then end with BYE at a quiet moment (in IDLE, or after a command) so the client reconnects there.
         */
        public Duration reconnectAfterMove = Duration.ofMinutes(2);
    }

    /** Where passwords may travel unencrypted; TOML values are the lower-case names. */
    public enum PlaintextAuth {
        NEVER, LOOPBACK, ALWAYS
    }

    public static final class Tls {
        /** PEM certificate chain; empty: a self-signed certificate made on first start under data_dir/tls. */
        public Path certFile = null;
        /** PEM private key (PKCS#8 or traditional). */
        public Path keyFile = null;
    }

    /** The admin role: HTTP API, console, metrics, health checks and client autoconfiguration. */
    public static final class Admin {
        public int port = 2080;
        /** HTTPS instead of HTTP, with the node's certificate ([tls], or the self-signed one). */
        public boolean tls = false;
    }

    /**
     * Abuse defences shared by every protocol (package mailroom.core.security): login throttling,
     * limits per client address and per account. Addresses count per IPv4 address and IPv6 /64.
     */
    public static final class Security {
        /** Networks (CIDR) exempt from login throttling and the per-address limits; loopback by default (local webmail, tools). */
        public List<String> allowlist = List.of("127.0.0.0/8", "::1/128");
        /** Wait before a password check after one failure from the address (and before answering a failure); doubles per failure ... */
        public Duration loginDelay = Duration.ofSeconds(1);
        /** ... up to this (Dovecot's auth penalty stops at 15 s too). */
        public Duration loginDelayMax = Duration.ofSeconds(15);
        /** This many failed logins from one address within block_window block it ... */
        public int blockAfter = 10;
        public Duration blockWindow = Duration.ofMinutes(10);
        /** ... for this long: its logins fail at once, without a password check. */
        public Duration blockTime = Duration.ofMinutes(15);
        /** Password checks (Argon2id) running at once for one address; more wait their turn. */
        public int passwordChecksPerAddress = 2;
        /** Connections at once from one address, per listener (Postfix's anvil: 50). */
        public int maxConnectionsPerAddress = 50;
        /** New connections per minute from one address, per listener. */
        public int maxConnectionRatePerAddress = 300;
        /** Logged-in IMAP (and, apart, POP3) sessions of one account from one address (Dovecot's mail_max_userip_connections: 10). */
        public int maxSessionsPerAccountAddress = 10;
        /** Messages one account may submit per hour (counted at MAIL), on each sorter. */
        public int submissionMessagesPerHour = 500;
        /** Recipients one account may submit to per hour (counted at RCPT), on each sorter. */
        public int submissionRecipientsPerHour = 2000;
    }

    /** The director role: the mail zone's DNS server, health checks and failover. */
    public static final class Director {
        /** The DNS zone served, holding maila..mailz, outbox and a name per node; empty: mail.domain. */
        public String zone = "";
        /** UDP and TCP port of the DNS server. */
        public int dnsPort = 2053;
        /** TTL of the zone's records, and of negative answers. */
        public Duration ttl = Duration.ofSeconds(60);
        /** TTL of outbox's addresses: short, so clients follow a sorter that leaves. */
        public Duration outboxTtl = Duration.ofSeconds(30);
        /** How often every node reports that it is alive. */
        public Duration heartbeat = Duration.ofSeconds(2);
        /** A node not heard from for this long is taken for dead: its letters and outbox entry move. */
        public Duration nodeTimeout = Duration.ofSeconds(10);
        /** Published as _dmarc.DOMAIN for every local domain in the zone. */
        public String dmarc = "v=DMARC1; p=none";
        /** An existing DNS server ("host:port") to send the zone to by RFC 2136 dynamic update; empty: none. */
        public String pushServer = "";
        /** The TSIG key that server accepts updates with: its name, algorithm and base64 secret. */
        public String pushKeyName = "";
        public String pushKeyAlgorithm = "hmac-sha256";
        public String pushKeySecret = "";
    }

    public static final class Storage {
        /** "sqlite" (embedded, under node.data_dir) or "postgres" (shared by the nodes of a cluster). */
        public String backend = "sqlite";
        /** Flush message files and the database to disk before acknowledging. Only turn off for throw-away tests. */
        public boolean fsync = true;
        /** For postgres: the JDBC URL, e.g. jdbc:postgresql://db.example.org:5432/mailroom */
        public String url = "";
        public String user = "mailroom";
        /** For postgres; the environment variable MAILROOM_DB_PASSWORD overrides it, so a config file need not hold it. */
        public String password = "";
        /** For postgres: connections per node. */
        public int poolSize = 16;
        /** For postgres: how long work waits for a new primary after the old one fails, before a temporary error. */
        public Duration failoverWait = Duration.ofSeconds(30);
        /** For postgres under Patroni: the port of Patroni's REST API on each member's address (status, switchover); 0 for none. */
        public int patroniPort = 8008;
    }

    /**
     * Spam defences on the MX port (mail from outside; submission is not scored): DNS blocklists
     * looked up for the client's address, and scoring of each message by rspamd before the 250.
     */
    public static final class Spam {
        /** rspamd's normal worker, e.g. "http://127.0.0.1:11333"; empty: no scoring. */
        public String rspamdUrl = "";
        /** How long a scan may take; slower (or rspamd down) and the message is accepted unscored. */
        public Duration timeout = Duration.ofSeconds(10);
        /**
         * rspamd's actions that are acted on. One left out counts as "no action", except "reject",
         * which then files the message as spam (headers, Junk) instead of refusing it.
         */
        public List<String> actions = List.of("reject", "soft reject", "greylist", "add header", "rewrite subject");
        /** DNS blocklist zones; a client whose address is listed in one gets 554 5.7.1 at RCPT. */
        public List<String> dnsbl = List.of();
    }

    /** The DNS zone the director serves: configured, or the mail domain. */
    public String zone() {
        return director.zone.isBlank() ? mail.domain : director.zone;
    }

    /** The address this node is reached at. */
    public String advertisedAddress() {
        return node.advertise.isBlank() ? node.bind : node.advertise;
    }

    /** The host name to announce: configured, or mail.DOMAIN. */
    public String hostname() {
        return node.hostname.isBlank() ? "mail." + mail.domain : node.hostname;
    }
}
