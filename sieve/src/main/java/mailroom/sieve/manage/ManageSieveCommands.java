package mailroom.sieve.manage;

import mailroom.core.protocol.CommandTable;
import mailroom.sieve.Script;
import mailroom.sieve.syntax.SieveException;
import mailroom.storage.Directory;
import mailroom.storage.SieveScripts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static mailroom.sieve.manage.ManageSieveSession.State.AUTHENTICATED;
import static mailroom.sieve.manage.ManageSieveSession.State.NOT_AUTHENTICATED;

/** The ManageSieve commands (RFC 5804 section 2), one handler each, with the states they are valid in. */
final class ManageSieveCommands {
    private static final Set<ManageSieveSession.State> ANY = EnumSet.allOf(ManageSieveSession.State.class);
    /** The extensions announced in SIEVE: what the interpreter implements. */
    static final String SIEVE_EXTENSIONS = "fileinto reject ereject envelope body variables imap4flags copy relational subaddress "
            + "date index regex include mailbox vacation vacation-seconds encoded-character comparator-i;ascii-numeric";

    @FunctionalInterface
    interface Handler {
        void handle(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException;
    }

    static final CommandTable<ManageSieveSession.State, Handler> TABLE = new CommandTable<ManageSieveSession.State, Handler>()
            .add("CAPABILITY", ANY, (s, c) -> {
                capabilities(s);
                s.ok(null, "Capability completed");
            })
            .add("STARTTLS", EnumSet.of(NOT_AUTHENTICATED), ManageSieveCommands::startTls)
            .add("AUTHENTICATE", EnumSet.of(NOT_AUTHENTICATED), Authentication::authenticate)
            .add("UNAUTHENTICATE", EnumSet.of(AUTHENTICATED), (s, c) -> {
                s.account = null;
                s.state = NOT_AUTHENTICATED;
                s.ok(null, "Logged out, you may authenticate again");
            })
            .add("LOGOUT", ANY, (s, c) -> {
                s.logout = true;
                s.ok(null, s.server.hostname + " logging out"); // names the store that served: a passed-through session shows its home
            })
            .add("NOOP", ANY, (s, c) -> s.ok(c.arguments().isEmpty() ? null : "TAG " + ManageSieveCodec.string(c.string(0)), "Done"))
            .add("HAVESPACE", EnumSet.of(AUTHENTICATED), ManageSieveCommands::haveSpace)
            .add("PUTSCRIPT", EnumSet.of(AUTHENTICATED), ManageSieveCommands::putScript)
            .add("CHECKSCRIPT", EnumSet.of(AUTHENTICATED), (s, c) -> {
                c.expect(1);
                check(c.string(0));
                s.ok(null, "Script is valid");
            })
            .add("LISTSCRIPTS", EnumSet.of(AUTHENTICATED), ManageSieveCommands::listScripts)
            .add("SETACTIVE", EnumSet.of(AUTHENTICATED), ManageSieveCommands::setActive)
            .add("GETSCRIPT", EnumSet.of(AUTHENTICATED), ManageSieveCommands::getScript)
            .add("DELETESCRIPT", EnumSet.of(AUTHENTICATED), ManageSieveCommands::deleteScript)
            .add("RENAMESCRIPT", EnumSet.of(AUTHENTICATED), ManageSieveCommands::renameScript);

    private ManageSieveCommands() {}

    /** RFC 5804 section 1.7: sent at the greeting, on CAPABILITY, and again after STARTTLS. */
    static void capabilities(ManageSieveSession s) throws IOException {
        var c = s.connection;
        c.write("\"IMPLEMENTATION\" \"Mailroom\"\r\n");
        c.write("\"SASL\" " + ManageSieveCodec.string(String.join(" ", Authentication.mechanisms(s))) + "\r\n");
        c.write("\"SIEVE\" " + ManageSieveCodec.string(SIEVE_EXTENSIONS) + "\r\n");
        if (s.server.tls != null && !c.isTls()) c.write("\"STARTTLS\"\r\n");
        c.write("\"MAXREDIRECTS\" \"" + s.server.settings.maxRedirects + "\"\r\n");
        if (s.account != null) c.write("\"OWNER\" " + ManageSieveCodec.string(s.account.address()) + "\r\n");
        c.write("\"VERSION\" \"1.0\"\r\n");
    }

    private static void startTls(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        if (s.server.tls == null || s.connection.isTls()) throw new ManageSieveException(null, "TLS is not available here");
        s.ok(null, "Begin TLS negotiation now");
        s.connection.flush();
        s.connection.startTls(s.server.tls);
        capabilities(s); // section 2.2: the capabilities again, now that more may be offered
        s.ok(null, "TLS negotiation successful");
    }

    private static void haveSpace(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(2);
        roomFor(s, validName(c.string(0)), c.number(1));
        s.ok(null, "Putscript would succeed");
    }

    private static void putScript(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(2);
        String name = validName(c.string(0));
        String source = c.string(1);
        roomFor(s, name, source.getBytes(StandardCharsets.UTF_8).length);
        check(source); // an invalid script is refused whole: the stored (and active) one keeps working
        s.server.storage.sieve().put(s.account.id(), name, source);
        s.ok(null, "Script stored");
    }

    private static void listScripts(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(0);
        for (SieveScripts.Info info : s.server.storage.sieve().list(s.account.id()))
            s.connection.write(ManageSieveCodec.string(info.name()) + (info.active() ? " ACTIVE" : "") + "\r\n");
        s.ok(null, "Listscripts completed");
    }

    private static void setActive(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(1);
        String name = c.string(0);
        if (!s.server.storage.sieve().activate(s.account.id(), name.isEmpty() ? null : name))
            throw new ManageSieveException("NONEXISTENT", "There is no script named " + name);
        s.ok(null, name.isEmpty() ? "No script is active now" : "Script activated");
    }

    private static void getScript(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(1);
        String name = c.string(0);
        String source = s.server.storage.sieve().source(s.account.id(), name)
                .orElseThrow(() -> new ManageSieveException("NONEXISTENT", "There is no script named " + name));
        s.connection.write("{" + source.getBytes(StandardCharsets.UTF_8).length + "}\r\n" + source + "\r\n");
        s.ok(null, "Getscript completed");
    }

    private static void deleteScript(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(1);
        String name = c.string(0);
        var active = s.server.storage.sieve().active(s.account.id());
        if (active.isPresent() && active.get().name().equals(name)) throw new ManageSieveException("ACTIVE", "The active script cannot be deleted");
        if (!s.server.storage.sieve().delete(s.account.id(), name)) throw new ManageSieveException("NONEXISTENT", "There is no script named " + name);
        s.ok(null, "Script deleted");
    }

    private static void renameScript(ManageSieveSession s, ManageSieveCodec.Command c) throws ManageSieveException, IOException {
        c.expect(2);
        String from = c.string(0), to = validName(c.string(1));
        try {
            if (!s.server.storage.sieve().rename(s.account.id(), from, to)) throw new ManageSieveException("NONEXISTENT", "There is no script named " + from);
        } catch (Directory.AlreadyExists e) {
            throw new ManageSieveException("ALREADYEXISTS", "A script named " + to + " exists already");
        }
        s.ok(null, "Script renamed");
    }

    /** HAVESPACE's and PUTSCRIPT's limits: script size, and the number of scripts for a new name. */
    private static void roomFor(ManageSieveSession s, String name, long size) throws ManageSieveException {
        var settings = s.server.settings;
        if (size > settings.maxScriptSize) throw new ManageSieveException("QUOTA/MAXSIZE", "Scripts may have at most " + settings.maxScriptSize + " octets");
        List<SieveScripts.Info> scripts = s.server.storage.sieve().list(s.account.id());
        boolean replacing = scripts.stream().anyMatch(i -> i.name().equals(name));
        if (!replacing && scripts.size() >= settings.maxScripts) throw new ManageSieveException("QUOTA/MAXSCRIPTS", "At most " + settings.maxScripts + " scripts");
    }

    /** Section 1.6: a script name is non-empty, at most 128 characters, without control characters. */
    private static String validName(String name) throws ManageSieveException {
        if (name.isEmpty() || name.length() > 128 || name.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029))
            throw new ManageSieveException(null, "Invalid script name");
        return name;
    }

    /** Compiles the script as delivery will; a failure answers NO with the line and the reason. */
    private static void check(String source) throws ManageSieveException {
        try {
            Script.compile(source);
        } catch (SieveException e) {
            throw new ManageSieveException(null, e.describe());
        }
    }
}
