package mailroom.sieve;

import mailroom.sieve.syntax.SieveException;
import mailroom.storage.SieveScripts;
import mailroom.storage.Storage;

import java.util.List;
import java.util.Optional;

/**
 * An account's Sieve scripts as administrators and the out-of-office forms handle them (the CLI,
 * the admin API and the console all come here): scripts are compiled before they are stored, and
 * an out-of-office is a generated script that keeps the rules active before it.
 */
public final class AccountRules {
    private final SieveScripts scripts;

    public AccountRules(Storage storage) {
        this.scripts = storage.sieve();
    }

    /** Stores a script once it compiles; the error names the line otherwise. */
    public void put(long accountId, String name, String source) throws SieveException {
        if (name == null || name.isBlank() || name.length() > 128) throw new IllegalArgumentException("a script needs a name of 1 to 128 characters");
        Script.compile(source);
        scripts.put(accountId, name, source);
    }

    /** Makes {@code name} the active script (null: none); false when there is no such script. */
    public boolean activate(long accountId, String name) {
        return scripts.activate(accountId, name);
    }

    public List<SieveScripts.Info> list(long accountId) {
        return scripts.list(accountId);
    }

    public Optional<String> show(long accountId, String name) {
        return scripts.source(accountId, name);
    }

    /** Sets (or replaces) the account's out-of-office, keeping whatever rules were active. */
    public OutOfOffice setVacation(long accountId, OutOfOffice settings) {
        Optional<SieveScripts.Active> active = scripts.active(accountId);
        String keeps = active.isEmpty() ? null
                : active.get().name().equals(OutOfOffice.SCRIPT) ? OutOfOffice.of(active.get().source()).map(OutOfOffice::keeps).orElse(null)
                : active.get().name();
        OutOfOffice set = settings.keeping(keeps);
        try {
            put(accountId, OutOfOffice.SCRIPT, set.script());
        } catch (SieveException e) {
            throw new IllegalStateException("generated out-of-office script does not compile: " + e.describe(), e);
        }
        scripts.activate(accountId, OutOfOffice.SCRIPT);
        return set;
    }

    /** The out-of-office in force (its script active), if any. */
    public Optional<OutOfOffice> vacation(long accountId) {
        return scripts.active(accountId).filter(a -> a.name().equals(OutOfOffice.SCRIPT)).flatMap(a -> OutOfOffice.of(a.source()));
    }

    /** Ends the out-of-office: the rules it kept are active again. False when none was set. */
    public boolean endVacation(long accountId) {
        Optional<OutOfOffice> current = vacation(accountId);
        if (current.isEmpty()) return scripts.delete(accountId, OutOfOffice.SCRIPT);
        String keeps = current.get().keeps();
        scripts.activate(accountId, keeps != null && scripts.source(accountId, keeps).isPresent() ? keeps : null);
        scripts.delete(accountId, OutOfOffice.SCRIPT);
        return true;
    }
}
