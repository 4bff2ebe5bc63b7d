package mailroom.imap;

import mailroom.core.protocol.CommandTable;
import mailroom.imap.codec.ImapParser;

import java.io.IOException;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static mailroom.imap.ImapSession.State.AUTHENTICATED;
import static mailroom.imap.ImapSession.State.NOT_AUTHENTICATED;
import static mailroom.imap.ImapSession.State.SELECTED;

/**
 * Every IMAP command: the states it is valid in, whether it takes arguments, whether EXPUNGE
 * responses may follow it (not after FETCH, STORE, SEARCH: RFC 3501 section 7.4.1), and the
 * capabilities it brings. CAPABILITY is computed from this table.
 */
final class ImapCommands {
    @FunctionalInterface
    interface Handler {
        /** Runs the command, writing any untagged data; returns the text of the tagged OK, or null if it answered itself. */
        String handle(ImapSession session, String tag, ImapParser args) throws ImapException, IOException;
    }

    record Command(Handler handler, boolean arguments, boolean mayExpunge, Function<ImapSession, List<String>> capabilities) {
        static Command of(Handler handler, boolean arguments) {
            return new Command(handler, arguments, true, s -> List.of());
        }

        Command advertising(String... capabilities) {
            return new Command(handler, arguments, mayExpunge, s -> List.of(capabilities));
        }

        Command advertising(Function<ImapSession, List<String>> capabilities) {
            return new Command(handler, arguments, mayExpunge, capabilities);
        }

        Command withoutExpunge() {
            return new Command(handler, arguments, false, capabilities);
        }
    }

    private static final Set<ImapSession.State> ANY = EnumSet.of(NOT_AUTHENTICATED, AUTHENTICATED, SELECTED);
    private static final Set<ImapSession.State> LOGGED_IN = EnumSet.of(AUTHENTICATED, SELECTED);
    private static final Set<ImapSession.State> SELECTED_ONLY = EnumSet.of(SELECTED);

    static final CommandTable<ImapSession.State, Command> TABLE = new CommandTable<ImapSession.State, Command>()
            // Any state (RFC 3501 section 6.1)
            .add("CAPABILITY", ANY, Command.of(SessionCommands::capability, false)
                    .advertising(s -> List.of("IMAP4rev1", "IMAP4rev2", "LITERAL+")))
            .add("NOOP", ANY, Command.of(SessionCommands::noop, false))
            .add("LOGOUT", ANY, Command.of(SessionCommands::logout, false))
            .add("ID", ANY, Command.of(SessionCommands::id, true).advertising("ID"))
            // Not authenticated (section 6.2)
            .add("STARTTLS", EnumSet.of(NOT_AUTHENTICATED), Command.of(SessionCommands::startTls, false)
                    .advertising(s -> s.state == NOT_AUTHENTICATED && s.server.tls != null && !s.connection.isTls() ? List.of("STARTTLS") : List.of()))
            .add("LOGIN", EnumSet.of(NOT_AUTHENTICATED), Command.of(SessionCommands::login, true)
                    .advertising(s -> s.state == NOT_AUTHENTICATED && !SessionCommands.plaintextAllowed(s) ? List.of("LOGINDISABLED") : List.of()))
            .add("AUTHENTICATE", EnumSet.of(NOT_AUTHENTICATED), Command.of(SessionCommands::authenticate, true)
                    .advertising(s -> s.state == NOT_AUTHENTICATED && SessionCommands.plaintextAllowed(s) ? List.of("AUTH=PLAIN", "SASL-IR") : List.of()))
            // Authenticated (section 6.3)
            .add("ENABLE", LOGGED_IN, Command.of(SessionCommands::enable, true).advertising("ENABLE", "UTF8=ACCEPT", "CONDSTORE", "QRESYNC"))
            .add("COMPRESS", LOGGED_IN, Command.of(SessionCommands::compress, true)
                    .advertising(s -> s.compressed ? List.of() : List.of("COMPRESS=DEFLATE")))
            .add("NAMESPACE", LOGGED_IN, Command.of(SessionCommands::namespace, false).advertising("NAMESPACE"))
            .add("SELECT", LOGGED_IN, Command.of(MailboxCommands::select, true))
            .add("EXAMINE", LOGGED_IN, Command.of(MailboxCommands::examine, true))
            .add("CREATE", LOGGED_IN, Command.of(MailboxCommands::create, true))
            .add("DELETE", LOGGED_IN, Command.of(MailboxCommands::delete, true))
            .add("RENAME", LOGGED_IN, Command.of(MailboxCommands::rename, true))
            .add("SUBSCRIBE", LOGGED_IN, Command.of(MailboxCommands::subscribe, true))
            .add("UNSUBSCRIBE", LOGGED_IN, Command.of(MailboxCommands::unsubscribe, true))
            .add("LIST", LOGGED_IN, Command.of(MailboxCommands::list, true).advertising("CHILDREN", "SPECIAL-USE", "LIST-EXTENDED", "LIST-STATUS"))
            .add("LSUB", LOGGED_IN, Command.of(MailboxCommands::lsub, true))
            .add("STATUS", LOGGED_IN, Command.of(MailboxCommands::status, true).advertising("STATUS=SIZE"))
            .add("APPEND", LOGGED_IN, Command.of(MailboxCommands::append, true)
                    .advertising(s -> List.of("APPENDLIMIT=" + s.server.settings.maxAppendSize)))
            .add("GETQUOTAROOT", LOGGED_IN, Command.of(QuotaCommands::getQuotaRoot, true).advertising("QUOTA", "QUOTA=RES-STORAGE"))
            .add("GETQUOTA", LOGGED_IN, Command.of(QuotaCommands::getQuota, true))
            .add("SETQUOTA", LOGGED_IN, Command.of(QuotaCommands::setQuota, true))
            .add("SETACL", LOGGED_IN, Command.of(AclCommands::setAcl, true).advertising("ACL", "RIGHTS=texk"))
            .add("DELETEACL", LOGGED_IN, Command.of(AclCommands::deleteAcl, true))
            .add("GETACL", LOGGED_IN, Command.of(AclCommands::getAcl, true))
            .add("LISTRIGHTS", LOGGED_IN, Command.of(AclCommands::listRights, true))
            .add("MYRIGHTS", LOGGED_IN, Command.of(AclCommands::myRights, true))
            .add("IDLE", LOGGED_IN, Command.of(IdleCommand::idle, false).advertising("IDLE"))
            // Selected (section 6.4)
            .add("CHECK", SELECTED_ONLY, Command.of(MessageCommands::check, false))
            .add("CLOSE", SELECTED_ONLY, Command.of(MessageCommands::close, false))
            .add("UNSELECT", SELECTED_ONLY, Command.of(MessageCommands::unselect, false).advertising("UNSELECT"))
            .add("EXPUNGE", SELECTED_ONLY, Command.of(MessageCommands::expunge, false))
            .add("UID EXPUNGE", SELECTED_ONLY, Command.of(MessageCommands::uidExpunge, true).advertising("UIDPLUS"))
            .add("SEARCH", SELECTED_ONLY, Command.of((s, t, a) -> SearchCommand.search(s, t, a, false), true).withoutExpunge().advertising("ESEARCH", "SEARCHRES"))
            .add("UID SEARCH", SELECTED_ONLY, Command.of((s, t, a) -> SearchCommand.search(s, t, a, true), true))
            .add("SORT", SELECTED_ONLY, Command.of((s, t, a) -> SortCommand.sort(s, a, false), true).withoutExpunge().advertising("SORT"))
            .add("UID SORT", SELECTED_ONLY, Command.of((s, t, a) -> SortCommand.sort(s, a, true), true))
            .add("THREAD", SELECTED_ONLY, Command.of((s, t, a) -> SortCommand.thread(s, a, false), true).withoutExpunge()
                    .advertising("THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"))
            .add("UID THREAD", SELECTED_ONLY, Command.of((s, t, a) -> SortCommand.thread(s, a, true), true))
            .add("FETCH", SELECTED_ONLY, Command.of((s, t, a) -> FetchCommand.fetch(s, a, false), true).withoutExpunge().advertising("BINARY"))
            .add("UID FETCH", SELECTED_ONLY, Command.of((s, t, a) -> FetchCommand.fetch(s, a, true), true).advertising("OBJECTID"))
            .add("STORE", SELECTED_ONLY, Command.of((s, t, a) -> MessageCommands.store(s, a, false), true).withoutExpunge())
            .add("UID STORE", SELECTED_ONLY, Command.of((s, t, a) -> MessageCommands.store(s, a, true), true))
            .add("COPY", SELECTED_ONLY, Command.of((s, t, a) -> MessageCommands.copy(s, a, false, false), true))
            .add("UID COPY", SELECTED_ONLY, Command.of((s, t, a) -> MessageCommands.copy(s, a, true, false), true))
            .add("MOVE", SELECTED_ONLY, Command.of((s, t, a) -> MessageCommands.copy(s, a, false, true), true).advertising("MOVE"))
            .add("UID MOVE", SELECTED_ONLY, Command.of((s, t, a) -> MessageCommands.copy(s, a, true, true), true));

    private ImapCommands() {}

    /** The capability list for this session now, derived from the table. */
    static String capabilities(ImapSession session) {
        Set<String> all = new LinkedHashSet<>();
        for (var entry : TABLE.entries()) all.addAll(entry.handler().capabilities().apply(session));
        return String.join(" ", all);
    }
}
