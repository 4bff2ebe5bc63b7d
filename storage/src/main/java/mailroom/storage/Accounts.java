package mailroom.storage;

import mailroom.core.auth.Passwords;
import mailroom.core.auth.Scram;
import mailroom.core.config.Config;
import mailroom.core.mail.EmailAddress;
import mailroom.core.security.LoginBlocked;
import mailroom.core.security.Security;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the command line and the protocol servers do with accounts, in one place so they cannot
 * drift: create (with the standard folders), delete (with the mail), change passwords, authenticate,
 * and resolve a recipient address to an account.
 */
public final class Accounts {
    /** Folders every new account gets, with their RFC 6154 SPECIAL-USE attribute. */
    public static final List<Map.Entry<String, String>> STANDARD_FOLDERS = List.of(
            Map.entry("Drafts", "\\Drafts"), Map.entry("Sent", "\\Sent"), Map.entry("Trash", "\\Trash"),
            Map.entry("Junk", "\\Junk"), Map.entry("Archive", "\\Archive"));

    private static final int VERIFIED_CACHE_LIMIT = 10_000;

    private final Storage storage;
    private final String defaultDomain;
    /**
     * Argon2id is slow on purpose; a client that logs in every few seconds should not pay it each
     * time. We remember a SHA-256 of the last password that verified against each stored hash; a
     * changed password changes the stored hash and so misses.
     */
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final Security security;

    /** With the default defences of [security] (loopback exempt), for tools and tests. */
    public Accounts(Storage storage, String defaultDomain) {
        this(storage, defaultDomain, new Security(new Config.Security(), storage.loginFailures(), address -> false, Clock.systemUTC()));
    }

    /** With the node's defences: every login of every protocol passes {@code security}'s login gate. */
    public Accounts(Storage storage, String defaultDomain, Security security) {
        this.storage = storage;
        this.defaultDomain = defaultDomain.toLowerCase(Locale.ROOT);
        this.security = security;
    }

    /** The node's abuse defences, which the protocol servers take their limits from. */
    public Security security() {
        return security;
    }

    public Storage storage() {
        return storage;
    }

    /** The rule for new passwords, for the command line and the admin API alike. */
    public static String requireGoodPassword(String password) {
        if (password == null || password.length() < 8) throw new IllegalArgumentException("a password needs at least 8 characters");
        return password;
    }

    /**
     * Creates the accounts of "address password" lines (an Argon2id PHC hash may stand for the
     * password; blank lines and # comments are skipped), 64 at a time so their writes share group
     * commits. Stops at the first bad line or failure, naming it; returns how many were created.
     */
    public int importAccounts(java.io.BufferedReader in, String source) throws java.io.IOException, InterruptedException {
        var created = new java.util.concurrent.atomic.AtomicInteger();
        var slots = new java.util.concurrent.Semaphore(64);
        var failure = new java.util.concurrent.atomic.AtomicReference<RuntimeException>();
        int lineNumber = 0;
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (String line = in.readLine(); line != null && failure.get() == null; line = in.readLine()) {
                lineNumber++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                String[] f = t.split("\\s+", 2);
                if (f.length < 2) throw new IllegalArgumentException(source + " line " + lineNumber + ": expected an address and a password");
                String secret = f[1].startsWith("$argon2id$") ? f[1] : requireGoodPassword(f[1]);
                slots.acquire();
                pool.submit(() -> {
                    try {
                        if (secret.startsWith("$argon2id$")) createWithHash(f[0], secret);
                        else create(f[0], secret);
                        created.incrementAndGet();
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        if (failure.get() != null) throw failure.get();
        return created.get();
    }

    public String defaultDomain() {
        return defaultDomain;
    }

    /** Adds a local domain (lower-cased); refuses what is not a host name. */
    public void addDomain(String domain) {
        if (!mailroom.core.mail.EmailAddress.isHostname(domain)) throw new IllegalArgumentException("not a domain name: " + domain);
        storage.directory().addDomain(domain.toLowerCase(java.util.Locale.ROOT));
    }

    public List<String> domains() {
        return storage.directory().domains();
    }

    /** Parses "user@domain", or a bare "user" in the default domain. */
    public EmailAddress address(String login) {
        int at = login.lastIndexOf('@');
        return at < 0 ? new EmailAddress(login, defaultDomain) : new EmailAddress(login.substring(0, at), login.substring(at + 1));
    }

    public Account create(String login, String password) {
        Account account = createWithHash(login, Passwords.hash(password));
        storage.directory().setScram(account.id(), Scram.credentials(password));
        return account;
    }

    /**
     * Creates an account from a password hash made elsewhere (an import from another system, in the
     * PHC form Passwords reads). Its SCRAM credentials come at the first password login.
     */
    public Account createWithHash(String login, String passwordHash) {
        EmailAddress address = address(login);
        if (!EmailAddress.parse(address.toString(), true).isPresent() || address.localPart().contains("+")) {
            throw new IllegalArgumentException("not a valid account name: " + login);
        }
        if (!storage.directory().isLocalDomain(address.domain())) {
            throw new IllegalArgumentException("domain " + address.domain() + " is not local (add it first)");
        }
        Account account = storage.directory().addAccount(address.localPart(), address.domain(), passwordHash);
        storage.mail().createMailbox(account.id(), Mailbox.INBOX, null);
        for (var folder : STANDARD_FOLDERS) storage.mail().createMailbox(account.id(), folder.getKey(), folder.getValue());
        return account;
    }

    public Optional<Account> find(String login) {
        EmailAddress address = address(login);
        return storage.directory().account(address.localPart(), address.domain());
    }

    public List<Account> list() {
        return storage.directory().accounts();
    }

    /** Deletes an account and all its mail (the bytes are collected later); false when there is no such account. */
    public boolean delete(String login) {
        Optional<Account> account = find(login);
        if (account.isEmpty()) return false;
        storage.mail().deleteAccountData(account.get().id());
        storage.sharing().forgetAccount(account.get().id(), mailroom.storage.sharing.Sharing.identifier(account.get()));
        return storage.directory().deleteAccount(account.get().id());
    }

    public boolean setPassword(String login, String password) {
        return find(login).map(a -> storage.directory().setPassword(a.id(), Passwords.hash(password))
                && storage.directory().setScram(a.id(), Scram.credentials(password))).orElse(false);
    }

    public boolean setQuota(String login, long quotaBytes) {
        return find(login).map(a -> storage.directory().setQuota(a.id(), quotaBytes)).orElse(false);
    }

    /** Bytes the account's mail takes now. */
    public long usage(Account account) {
        return storage.mail().accountSize(account.id());
    }

    /**
     * The one way every protocol logs a client in with a password: the account when the password is
     * right; empty for an unknown login or a wrong password. The login gate comes first: a blocked
     * client network gets {@link LoginBlocked} without the password being hashed, and failures are
     * counted and slowed down (see {@link mailroom.core.security.LoginGuard}).
     *
     * @param client   the address the client connects from
     * @param protocol "imap", "pop3", "submission", "admin", ... for the log and the records
     */
    public Optional<Account> authenticate(String login, String password, InetAddress client, String protocol) throws LoginBlocked {
        return security.logins().attempt(client, protocol, login, () -> check(login, password));
    }

    /**
     * The same gate for a login proven another way (a SCRAM exchange, where no password is sent):
     * {@code proven} says whether the proof held; the account is looked up only if it did.
     */
    public Optional<Account> authenticateProven(String login, boolean proven, InetAddress client, String protocol) throws LoginBlocked {
        return security.logins().attempt(client, protocol, login, () -> proven ? find(login) : Optional.empty());
    }

    private Optional<Account> check(String login, String password) {
        Optional<Account> account = find(login);
        if (account.isEmpty()) {
            Passwords.verify(password, DummyHash.VALUE); // same cost as a real check, so timing does not reveal accounts
            return Optional.empty();
        }
        String stored = account.get().passwordHash();
        byte[] digest = sha256(password);
        byte[] known = verified.get(stored);
        if (known != null && MessageDigest.isEqual(known, digest)) return account;
        if (!Passwords.verify(password, stored)) return Optional.empty();
        // Accounts made before SCRAM was offered get its credentials the first time the password is seen.
        if (account.get().scram().isEmpty()) storage.directory().setScram(account.get().id(), Scram.credentials(password));
        if (verified.size() >= VERIFIED_CACHE_LIMIT) verified.clear();
        verified.put(stored, digest);
        return account;
    }

    /**
     * The account mail for {@code address} is filed into: the exact local part, else the part
     * before a "+tag" (plus-addressing). Empty when the domain is not local or nobody matches.
     */
    public Optional<Account> recipient(EmailAddress address) {
        if (!storage.directory().isLocalDomain(address.domain())) return Optional.empty();
        Optional<Account> exact = storage.directory().account(address.localPart(), address.domain());
        if (exact.isPresent()) return exact;
        int plus = address.localPart().indexOf('+');
        if (plus > 0) return storage.directory().account(address.localPart().substring(0, plus), address.domain());
        return Optional.empty();
    }

    /** Made on first use, not at start-up: one Argon2id hash is a noticeable part of starting a node. */
    private static final class DummyHash {
        static final String VALUE = Passwords.hash("not a real password");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
