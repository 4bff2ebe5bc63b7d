package mailroom.smtp;

import mailroom.core.config.Config;
import mailroom.core.mime.ParsedMessage;
import mailroom.sieve.Action;
import mailroom.sieve.Envelope;
import mailroom.sieve.Environment;
import mailroom.sieve.MessageView;
import mailroom.sieve.Outcome;
import mailroom.sieve.Script;
import mailroom.sieve.syntax.SieveException;
import mailroom.storage.Account;
import mailroom.storage.Mailbox;
import mailroom.storage.sharing.SharedMailboxes;
import mailroom.storage.SieveScripts;
import mailroom.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The filter stage of local delivery: the account's active Sieve script decides where a message
 * is filed, whether it is refused, and what follows (redirects, vacation replies). Whatever goes
 * wrong in a script, the message is kept in INBOX and the error is logged for the account.
 */
public final class SieveFilter {
    private static final Logger log = LoggerFactory.getLogger(SieveFilter.class);
    /** Compiled scripts by source: a script is compiled once, whichever account or node stored it. */
    private static final int CACHE_LIMIT = 2000;

    /** What the rules decided for one recipient. */
    public sealed interface Decision {
        /** File into these mailboxes (none: discarded), then send the follow-ups. */
        record File(List<Target> targets, List<Action> followUps) implements Decision {}

        /** Refuse the message with this reason (reject, ereject). */
        record Refuse(String reason) implements Decision {}
    }

    public record Target(String mailbox, Set<String> flags, long ownerId) {
        /** A mailbox of the recipient's own account. */
        Target(String mailbox, Set<String> flags) {
            this(mailbox, flags, OWN);
        }
    }

    /** {@link Target#ownerId()} for the recipient's own account. */
    public static final long OWN = 0;

    private static final Decision KEEP = new Decision.File(List.of(new Target(Mailbox.INBOX, Set.of())), List.of());

    private final Storage storage;
    private final Config.Sieve settings;
    private final Path globalDir;
    private final Map<String, Script> compiled = new ConcurrentHashMap<>();

    public SieveFilter(Storage storage, Config config) {
        this.storage = storage;
        this.settings = config.sieve;
        this.globalDir = settings.globalDir.isEmpty() ? config.node.dataDir.resolve("sieve-global") : Path.of(settings.globalDir);
    }

    Decision decide(Account account, byte[] raw, ParsedMessage parsed, String sender, String recipient) {
        Optional<SieveScripts.Active> active = storage.sieve().active(account.id());
        if (active.isEmpty()) return KEEP;
        Script script;
        try {
            script = compile(active.get().source());
        } catch (SieveException e) {
            log.warn("sieve: {}: active script \"{}\" does not compile ({}); kept in INBOX", account.address(), active.get().name(), e.describe());
            return KEEP;
        }
        Outcome outcome = script.evaluate(new MessageView(raw, parsed), new Envelope(sender, account.address(), recipient), environment(account));
        for (String error : outcome.errors())
            log.warn("sieve: {}: script \"{}\": {}; kept in INBOX", account.address(), active.get().name(), error);
        if (!mayRedirect(account, outcome, parsed, raw)) return KEEP;
        List<Target> targets = new ArrayList<>();
        List<Action> followUps = new ArrayList<>();
        for (Action action : outcome.actions()) {
            switch (action) {
                case Action.Reject r -> {
                    return new Decision.Refuse(r.reason());
                }
                case Action.Store s -> targets.add(target(account, s));
                case Action.Redirect r -> followUps.add(r);
                case Action.Vacation v -> followUps.add(v);
            }
        }
        return new Decision.File(targets, followUps);
    }

    /**
     * Redirects are checked before anything is filed, so that a refused redirect keeps the message:
     * a message this account already passed on (its address in a Delivered-To field, as Postfix
     * marks forwarded mail) is a loop, and each account has a daily allowance.
     */
    private boolean mayRedirect(Account account, Outcome outcome, ParsedMessage parsed, byte[] raw) {
        long redirects = outcome.actions().stream().filter(a -> a instanceof Action.Redirect).count();
        if (redirects == 0) return true;
        for (String deliveredTo : new MessageView(raw, parsed).header("Delivered-To")) {
            if (deliveredTo.strip().equalsIgnoreCase(account.address())) {
                log.warn("sieve: {}: redirect loop (the message was already redirected by this account); kept in INBOX", account.address());
                return false;
            }
        }
        for (long i = 0; i < redirects; i++) {
            if (!storage.sieve().claimRedirect(account.id(), java.time.Instant.now(), settings.maxRedirectsPerDay)) {
                log.warn("sieve: {}: more than {} redirects today; kept in INBOX", account.address(), settings.maxRedirectsPerDay);
                return false;
            }
        }
        return true;
    }

    /**
     * fileinto without :create names a mailbox that must exist (RFC 5490 section 3); if it does not,
     * INBOX. A mailbox another account shares ("Other Users/...", "Shared/...") must exist and the
     * recipient must hold "p" (post) on it (RFC 4314): rules file into a help desk's folder only if
     * the help desk allows it.
     */
    private Target target(Account account, Action.Store s) {
        var shared = sharedTarget(account, s.mailbox());
        if (shared.isPresent()) return new Target(shared.get().name(), s.flags(), shared.get().accountId());
        boolean elsewhere = new SharedMailboxes(storage).resolve(account, s.mailbox()).map(SharedMailboxes.Target::shared).orElse(true);
        if (!elsewhere && (s.create() || s.mailbox().equals(Mailbox.INBOX) || storage.mail().mailbox(account.id(), s.mailbox()).isPresent()))
            return new Target(s.mailbox(), s.flags());
        log.warn("sieve: {}: fileinto \"{}\": no such mailbox, or no right to post to it; filed in INBOX", account.address(), s.mailbox());
        return new Target(Mailbox.INBOX, s.flags());
    }

    /** Another account's mailbox of that name that the recipient may post to; empty for its own names. */
    private Optional<Mailbox> sharedTarget(Account account, String name) {
        var shared = new SharedMailboxes(storage);
        var target = shared.resolve(account, name).filter(SharedMailboxes.Target::shared);
        if (target.isEmpty() || target.get().ownerName().isEmpty()) return Optional.empty();
        return storage.mail().mailbox(target.get().owner().id(), target.get().ownerName())
                .filter(m -> shared.rights(account, m.accountId(), m.id()).has('p'));
    }

    /** Compiles (or finds compiled) a script; the same check ManageSieve's PUTSCRIPT makes. */
    Script compile(String source) throws SieveException {
        Script script = compiled.get(source);
        if (script != null) return script;
        script = Script.compile(source);
        if (compiled.size() >= CACHE_LIMIT) compiled.clear();
        compiled.put(source, script);
        return script;
    }

    private Environment environment(Account account) {
        return new Environment() {
            @Override
            public boolean mailboxExists(String name) {
                return storage.mail().mailbox(account.id(), name).isPresent() || sharedTarget(account, name).isPresent();
            }

            @Override
            public Optional<String> includeSource(boolean global, String name) {
                if (!global) return storage.sieve().source(account.id(), name);
                if (name.contains("/") || name.startsWith(".")) return Optional.empty();
                try {
                    Path file = globalDir.resolve(name + ".sieve");
                    return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
                } catch (IOException e) {
                    return Optional.empty();
                }
            }

            @Override
            public Set<String> ownAddresses() {
                return Set.of(account.address());
            }

            @Override
            public int maxRedirects() {
                return settings.maxRedirects;
            }
        };
    }

    Config.Sieve settings() {
        return settings;
    }
}
