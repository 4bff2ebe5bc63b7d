package mailroom.imap;

import mailroom.core.net.Connection;
import mailroom.core.net.LineTooLongException;
import mailroom.imap.codec.ImapParser;
import mailroom.core.mail.MailboxNames;
import mailroom.storage.Account;
import mailroom.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One IMAP connection (RFC 3501, RFC 9051). Reads whole commands (collecting literals, with the
 * continuation request for synchronising ones), dispatches them through {@link ImapCommands#TABLE},
 * reports what changed in the selected mailbox, and answers the tagged result: every outcome
 * becomes a reply here, in {@link #execute}.
 */
final class ImapSession {
    private static final Logger log = LoggerFactory.getLogger(ImapSession.class);
    /** Longest command line (without its literals); RFC 7162 section 4 asks clients to stay under 8 KB. */
    static final int MAX_LINE = 64 * 1024;
    /** Literals in commands other than APPEND are names and search strings; this is plenty. */
    private static final int MAX_SMALL_LITERAL = 64 * 1024;
    /** A whole command other than APPEND, its lines and literals together. */
    static final int MAX_COMMAND = 1024 * 1024;
    /** Parentheses open at once in a command (SEARCH's groups, FETCH's lists); deeper is refused before parsing. */
    static final int MAX_NESTING = 32;
    private static final Pattern LITERAL_SUFFIX = Pattern.compile("~?\\{(\\d{1,10})([+-]?)}$");

    enum State { NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT }

    /** Returned by {@link #readCommand} for a command already answered (a refused literal). */
    private static final byte[] ANSWERED = new byte[0];

    final ImapServer server;
    final Connection connection;
    State state = State.NOT_AUTHENTICATED;
    Account account;
    SelectedMailbox selected;
    boolean compressed;
    /** Ends this session's place under the per-account-and-address limit; set at login. */
    Runnable endSession = () -> {};
    /** Extensions the client turned on with ENABLE (RFC 5161). */
    final Set<String> enabled = new HashSet<>();

    ImapSession(ImapServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    boolean utf8() {
        return enabled.contains("UTF8=ACCEPT");
    }

    boolean imap4rev2() {
        return enabled.contains("IMAP4REV2");
    }

    /** CONDSTORE is on once enabled, implied by QRESYNC, or used by a command (RFC 7162 section 3.1). */
    boolean condstore() {
        return enabled.contains("CONDSTORE") || enabled.contains("QRESYNC");
    }

    /**
     * Turns CONDSTORE on for a command that uses it; with a mailbox selected the client learns its
     * HIGHESTMODSEQ right away (RFC 7162 section 3.1).
     */
    void enableCondstore() throws java.io.UncheckedIOException {
        if (condstore()) return;
        enabled.add("CONDSTORE");
        try {
            if (selected != null) untagged("OK [HIGHESTMODSEQ " + selected.highestModseq() + "] Highest");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void run() throws IOException {
        connection.setIdleTimeout(server.settings.loginTimeout);
        untagged("OK [CAPABILITY " + ImapCommands.capabilities(this) + "] " + server.hostname + " Mailroom IMAP ready");
        connection.flush();
        while (state != State.LOGOUT) {
            byte[] command;
            try {
                command = readCommand();
            } catch (LineTooLongException e) {
                // The rest of the line is dropped unread; the client learns at once, by its tag when it sent one.
                String tag = tagOf(e.head());
                connection.write(tag + " BAD [TOOBIG] Command line too long (" + MAX_LINE / 1024 + " KB at most)\r\n");
                connection.flush();
                continue;
            } catch (SocketTimeoutException e) {
                untagged("BYE Autologout; idle for too long");
                connection.flush();
                throw e;
            }
            if (command == null) return;
            if (command != ANSWERED) execute(command);
            if (!connection.hasBufferedInput() && state != State.LOGOUT && movedAway()) {
                sayMoved();
                return;
            }
            if (!connection.hasBufferedInput() || state == State.LOGOUT) connection.flush();
        }
    }

    /**
     * Reads one command with its literals inline ("{n}CRLF" and n octets), or null at end of stream.
     * A literal over the limit is refused before it is sent (synchronising) or read and dropped
     * (LITERAL+), and {@link #ANSWERED} is returned: the command has been answered already.
     */
    private byte[] readCommand() throws IOException {
        var command = new ByteArrayOutputStream();
        while (true) {
            byte[] line = connection.readLine(MAX_LINE);
            if (line == null) return null;
            command.writeBytes(line);
            var m = LITERAL_SUFFIX.matcher(new String(line, Math.max(0, line.length - 16), Math.min(16, line.length), StandardCharsets.ISO_8859_1));
            boolean append = isAppend(command.toByteArray());
            if (!m.find()) {
                if (!append && command.size() > MAX_COMMAND) {
                    connection.write(tagOf(command.toByteArray()) + " BAD [TOOBIG] Command too long\r\n");
                    return ANSWERED;
                }
                return command.toByteArray();
            }
            long size = Long.parseLong(m.group(1));
            boolean synchronising = m.group(2).isEmpty();
            long limit = append ? server.settings.maxAppendSize : Math.min(MAX_SMALL_LITERAL, MAX_COMMAND - command.size());
            if (size > limit) {
                String tag = tagOf(command.toByteArray());
                if (!synchronising) connection.skipBytes(size); // LITERAL+: the bytes are coming anyway
                connection.write(tag + (isAppend(command.toByteArray()) ? " NO [TOOBIG] Message too large" : " BAD [TOOBIG] Literal too large") + "\r\n");
                connection.flush();
                if (!synchronising) connection.readLine(MAX_LINE); // the rest of that command line
                return ANSWERED;
            }
            if (synchronising) {
                connection.write("+ Ready for literal data\r\n");
                connection.flush();
            }
            command.write('\r');
            command.write('\n');
            command.writeBytes(connection.readBytes((int) size));
        }
    }

    private static boolean isAppend(byte[] command) {
        String head = new String(command, 0, Math.min(command.length, 64), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        int space = head.indexOf(' ');
        return space > 0 && head.startsWith("APPEND ", space + 1);
    }

    /** The command's tag, or "*" when it does not start with one. */
    private static String tagOf(byte[] command) {
        try {
            String tag = new ImapParser(java.util.Arrays.copyOf(command, Math.min(command.length, 128))).tag();
            return command.length > tag.length() && command[tag.length()] == ' ' ? tag : "*";
        } catch (ImapException.Bad e) {
            return "*";
        }
    }

    /** When the account's home was first seen to be another store; null while it is here. */
    private java.time.Instant awaySince;

    /**
     * True once the account's home has been another store for the grace period: the session should
     * end at a quiet moment, so the client reconnects and lands on its home. Cheap: the router reads
     * the routes at most once a second.
     */
    boolean movedAway() {
        if (account == null || server.router.elsewhere(account).isEmpty()) {
            awaySince = null;
            return false;
        }
        var now = java.time.Instant.now();
        if (awaySince == null) awaySince = now;
        return !now.isBefore(awaySince.plus(server.settings.reconnectAfterMove));
    }

    /** The gentle end after a move: a client reconnects after BYE, by the same name, and reaches the new home. */
    void sayMoved() throws IOException {
        untagged("BYE This account has moved to another server of " + server.hostname + "; please reconnect");
        connection.flush();
        log.info("imap {} told to reconnect: its home moved", account.address());
    }

    /** Parses and runs one command; the single place where outcomes become tagged replies. */
    private void execute(byte[] bytes) throws IOException {
        var args = new ImapParser(bytes);
        String tag;
        String name;
        try {
            tag = args.tag();
            args.sp();
            name = args.atom().toUpperCase(Locale.ROOT);
            if (name.equals("UID")) {
                args.sp();
                name = "UID " + args.atom().toUpperCase(Locale.ROOT);
            }
        } catch (ImapException.Bad e) {
            untagged("BAD " + e.getMessage());
            return;
        }
        var entry = ImapCommands.TABLE.lookup(name);
        mailroom.core.metrics.Meters.command("imap", entry.isPresent() ? name : "unknown");
        if (entry.isEmpty()) {
            tagged(tag, "BAD", null, "Unknown command " + name);
            return;
        }
        if (!entry.get().states().contains(state)) {
            var states = entry.get().states();
            tagged(tag, "BAD", null, name + (state == State.NOT_AUTHENTICATED ? " needs login first"
                    : states.contains(State.NOT_AUTHENTICATED) ? " is only valid before login" : " needs a selected mailbox"));
            return;
        }
        if (ImapParser.nestingDepth(bytes) > MAX_NESTING) { // before a recursive parser could run out of stack
            tagged(tag, "BAD", "TOOBIG", "Parentheses nested deeper than " + MAX_NESTING);
            return;
        }
        var command = entry.get().handler();
        String done;
        try {
            if (command.arguments() && !args.atEnd()) args.sp();
            done = command.handler().handle(this, tag, args);
        } catch (ImapException e) {
            if (e instanceof ImapException.No) reportChanges(command.mayExpunge());
            tagged(tag, e instanceof ImapException.No ? "NO" : "BAD", e.code(), e.getMessage());
            return;
        } catch (StorageException e) {
            log.error("storage failure during {}", name, e);
            tagged(tag, "NO", "UNAVAILABLE", "Temporary failure, try again later");
            return;
        } catch (RuntimeException e) { // a bug must cost this command, not the session
            log.error("{} failed", name, e);
            tagged(tag, "NO", "SERVERBUG", "Internal error");
            return;
        }
        if (done == null) return; // the handler answered itself (STARTTLS)
        if (state == State.LOGOUT) {
            tagged(tag, "OK", null, done);
            return;
        }
        reportChanges(command.mayExpunge());
        connection.write(tag + " OK " + done + "\r\n");
    }

    /**
     * Tells the client what changed in the selected mailbox since it last heard. EXPUNGE may not be
     * sent while the client cannot know the numbers will shift: during FETCH, STORE and SEARCH
     * (RFC 3501 section 7.4.1); their UID forms may.
     */
    void reportChanges(boolean mayExpunge) throws IOException {
        if (selected == null) return;
        if (!selected.place.own() && server.storage.mail().mailbox(selected.mailbox.accountId(), selected.mailbox.id()).isEmpty()) {
            // Another account deleted the shared mailbox this session has selected: nothing it knows holds any more.
            untagged("BYE The selected mailbox was deleted by its owner");
            connection.flush();
            unselect();
            state = State.LOGOUT;
            connection.close();
            return;
        }
        for (String line : selected.refresh(server.storage.mail(), mayExpunge, this)) untagged(line);
    }

    void untagged(String line) throws IOException {
        connection.write("* " + line + "\r\n");
    }

    private void tagged(String tag, String status, String code, String text) throws IOException {
        connection.write(tag + " " + status + " " + (code == null ? "" : "[" + code + "] ") + text + "\r\n");
    }

    /** A mailbox name as the client sent it, in the stored form (decoded from modified UTF-7 unless UTF8=ACCEPT). */
    String mailboxName(String wire) throws ImapException.No {
        String name = utf8() ? wire : MailboxNames.decodeUtf7(wire);
        if (name == null) throw new ImapException.No("CANNOT", "Mailbox name is not valid modified UTF-7");
        return MailboxNames.canonical(name);
    }

    /** A name or pattern as sent, decoded but not canonicalised (LIST's reference and patterns). */
    String mailboxNameRaw(String wire) {
        String name = utf8() ? wire : MailboxNames.decodeUtf7(wire);
        return name == null ? wire : name; // a pattern that is not modified UTF-7 simply matches nothing
    }

    /** A stored mailbox name for the wire. */
    String wireName(String name) {
        return mailroom.imap.codec.ImapWriter.string(utf8() ? name : MailboxNames.encodeUtf7(name), utf8());
    }

    /** Selects {@code mailbox}, leaving the one selected before. */
    void select(SelectedMailbox mailbox) {
        unselect();
        selected = mailbox;
        state = State.SELECTED;
    }

    /** Leaves the selected mailbox, if any (also as the session ends, to stop watching it). */
    void unselect() {
        if (selected != null) selected.close();
        selected = null;
        if (state == State.SELECTED) state = State.AUTHENTICATED;
    }
}
