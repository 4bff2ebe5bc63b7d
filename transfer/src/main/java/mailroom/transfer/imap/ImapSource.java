package mailroom.transfer.imap;

import mailroom.core.mail.MailboxNames;
import mailroom.transfer.Progress;
import mailroom.transfer.Source;
import mailroom.transfer.SourceMessage;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A running IMAP server as a source: every selectable folder, read over several connections at once
 * (one folder per connection). A folder's UIDs are listed first, what the journal has is passed
 * over, and the rest is fetched in chunks with BODY.PEEK[] (so nothing is marked \Seen on the
 * source). A connection that drops is replaced and the folder goes on after the last message
 * received whole; a refused login stops everything with one line.
 */
public final class ImapSource implements Source {
    private static final int CHUNK = 100;
    private static final int RECONNECTS = 3;
    private static final Pattern UIDVALIDITY = Pattern.compile("\\[UIDVALIDITY (\\d+)]", Pattern.CASE_INSENSITIVE);
    private static final DateTimeFormatter INTERNALDATE = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final ImapClient.Security security;
    private final boolean insecure;
    private final int connections;
    private final Progress progress;
    private final String id;
    private final LinkedBlockingQueue<ImapClient> idle = new LinkedBlockingQueue<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final Map<String, String> wireNames = new ConcurrentHashMap<>();
    private long totalMessages = -1;

    /**
     * {@code from} is imaps://USER@HOST[:PORT] (TLS from the start, port 993) or imap://USER@HOST[:PORT]
     * (STARTTLS when offered, port 143; {@code requireTls} refuses a server without it).
     */
    public ImapSource(URI from, String password, boolean insecure, boolean requireTls, int connections, Progress progress) {
        String scheme = from.getScheme() == null ? "" : from.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("imap") && !scheme.equals("imaps")) throw new IllegalArgumentException("--from must be imaps://USER@HOST[:PORT] or imap://USER@HOST[:PORT]");
        if (from.getUserInfo() == null || from.getHost() == null) throw new IllegalArgumentException("--from needs a user and a host: imaps://USER@HOST[:PORT]");
        this.host = from.getHost();
        this.port = from.getPort() > 0 ? from.getPort() : scheme.equals("imaps") ? 993 : 143;
        this.user = java.net.URLDecoder.decode(from.getRawUserInfo().split(":", 2)[0], StandardCharsets.UTF_8);
        this.password = password;
        this.security = scheme.equals("imaps") ? ImapClient.Security.IMPLICIT_TLS : requireTls ? ImapClient.Security.STARTTLS : ImapClient.Security.STARTTLS_IF_OFFERED;
        this.insecure = insecure;
        this.connections = Math.max(1, connections);
        this.progress = progress;
        this.id = "imap://" + user + "@" + host + ":" + port;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int parallelism() {
        return connections;
    }

    private ImapClient connect() throws IOException {
        var client = new ImapClient(host, port, security, insecure);
        try {
            client.login(user, password);
        } catch (IOException e) {
            client.close();
            throw e;
        }
        opened.incrementAndGet();
        return client;
    }

    private ImapClient take() throws IOException {
        ImapClient c = idle.poll();
        return c != null ? c : connect();
    }

    private void giveBack(ImapClient c) {
        idle.add(c);
    }

    /** Every selectable folder with its UIDVALIDITY, and the message count for the progress bar. */
    @Override
    public List<Folder> folders() throws IOException {
        ImapClient c = take();
        try {
            List<Folder> out = new ArrayList<>();
            long total = 0;
            for (var u : c.command("LIST \"\" \"*\"", null)) {
                if (!u.word(0).equalsIgnoreCase("LIST") || u.values().size() < 4) continue;
                if (u.values().get(1) instanceof List<?> attrs && attrs.stream().anyMatch(a -> a instanceof String s
                        && (s.equalsIgnoreCase("\\Noselect") || s.equalsIgnoreCase("\\NonExistent")))) continue;
                String delimiter = u.values().get(2) instanceof String d && !d.equalsIgnoreCase("NIL") ? d : null;
                String wire = asString(u.values().get(3));
                String name = ourName(wire, delimiter);
                var status = c.command("STATUS " + ImapClient.mailbox(wire) + " (UIDVALIDITY MESSAGES)", null);
                long uidValidity = 0, messages = 0;
                for (var s : status) {
                    if (!s.word(0).equalsIgnoreCase("STATUS") || !(s.values().get(s.values().size() - 1) instanceof List<?> items)) continue;
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        String key = asString(items.get(i)), value = asString(items.get(i + 1));
                        if (key.equalsIgnoreCase("UIDVALIDITY")) uidValidity = Long.parseLong(value);
                        if (key.equalsIgnoreCase("MESSAGES")) messages = Long.parseLong(value);
                    }
                }
                wireNames.put(name, wire);
                total += messages;
                out.add(new Folder(name, uidValidity));
            }
            totalMessages = total;
            return out;
        } finally {
            giveBack(c);
        }
    }

    @Override
    public long[] totals() {
        return new long[]{totalMessages, -1};
    }

    static String asString(Object v) {
        return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v);
    }

    /** The source's name in Mailroom's form: modified UTF-7 decoded, its delimiter made "/". */
    private static String ourName(String wire, String delimiter) {
        String decoded = MailboxNames.decodeUtf7(wire);
        String name = decoded == null ? wire : decoded;
        if (delimiter != null && !delimiter.equals("/")) name = name.replace("/", "_").replace(delimiter, "/");
        return MailboxNames.canonical(name);
    }

    @Override
    public Set<String> subscriptions() throws IOException {
        ImapClient c = take();
        try {
            Set<String> out = new LinkedHashSet<>();
            for (var u : c.command("LSUB \"\" \"*\"", null)) {
                if (!u.word(0).equalsIgnoreCase("LSUB") || u.values().size() < 4) continue;
                String delimiter = u.values().get(2) instanceof String d && !d.equalsIgnoreCase("NIL") ? d : null;
                out.add(ourName(asString(u.values().get(3)), delimiter));
            }
            return out;
        } finally {
            giveBack(c);
        }
    }

    /** One message as listed before fetching: its UID and size. */
    private record Listed(long uid, long size) {}

    @Override
    public void read(Folder folder, Set<String> done, Sink sink) throws IOException {
        String wire = wireNames.get(folder.name());
        List<Listed> wanted = null;
        int next = 0; // index into wanted of the first message not yet received whole
        long[] lastReceived = {0}; // UID of the last message received whole, so a retry starts after it
        int failures = 0;
        while (true) {
            ImapClient c = take();
            try {
                var examined = examine(c, wire);
                long uidValidity = examined[0];
                if (examined[1] == 0) { // nothing to list (and some servers refuse "1:*" in an empty mailbox)
                    giveBack(c);
                    return;
                }
                if (uidValidity != folder.uidValidity()) {
                    sink.problem(folder.name(), null, "UIDVALIDITY changed on the source during the import (" + folder.uidValidity() + " to " + uidValidity + "); run the import again");
                    giveBack(c);
                    return;
                }
                if (wanted == null) wanted = list(c, done, sink);
                while (next < wanted.size()) {
                    int end = Math.min(next + CHUNK, wanted.size());
                    var chunk = wanted.subList(next, end);
                    fetch(c, folder, chunk, message -> {
                        sink.message(message);
                        lastReceived[0] = message.uid();
                    });
                    next = end;
                    failures = 0;
                }
                giveBack(c);
                return;
            } catch (ImapClient.LoginRefused e) {
                throw e;
            } catch (IOException e) {
                c.close();
                if (wanted != null) next = resumeAfterReceived(wanted, next, lastReceived[0]);
                String at = wanted != null && next < wanted.size() ? "UID " + wanted.get(next).uid() : null;
                if (++failures > RECONNECTS) {
                    throw new IOException((at == null ? "" : "at " + at + ", ") + "gave up after " + RECONNECTS + " reconnections: " + e.getMessage(), e);
                }
                // Going on from the first message not received whole; the journal passes over any filed already.
                progress.note(folder.name() + (at == null ? "" : " " + at) + ": " + e.getMessage() + "; reconnected and went on");
            }
        }
    }

    private static int resumeAfterReceived(List<Listed> wanted, int from, long lastUid) {
        int i = from;
        while (i < wanted.size() && wanted.get(i).uid() <= lastUid) i++;
        return i;
    }

    /** EXAMINE (read-only, so nothing changes on the source): the folder's UIDVALIDITY and message count. */
    private static long[] examine(ImapClient c, String wire) throws IOException {
        long uidValidity = 0, exists = -1;
        for (var u : c.command("EXAMINE " + ImapClient.mailbox(wire), null)) {
            if (u.word(0).equalsIgnoreCase("OK")) {
                var m = UIDVALIDITY.matcher(asString(u.values().get(u.values().size() - 1)));
                if (m.find()) uidValidity = Long.parseLong(m.group(1));
            } else if (u.word(1).equalsIgnoreCase("EXISTS")) {
                exists = Long.parseLong(u.word(0));
            }
        }
        return new long[]{uidValidity, exists};
    }

    /** The folder's UIDs and sizes, less those the journal has (counted as skipped). */
    private static List<Listed> list(ImapClient c, Set<String> done, Sink sink) throws IOException {
        List<Listed> out = new ArrayList<>();
        c.command("UID FETCH 1:* (UID RFC822.SIZE)", (seq, attrs) -> {
            long uid = 0, size = -1;
            for (int i = 0; i + 1 < attrs.size(); i += 2) {
                String key = asString(attrs.get(i));
                if (key.equalsIgnoreCase("UID")) uid = Long.parseLong(asString(attrs.get(i + 1)));
                if (key.equalsIgnoreCase("RFC822.SIZE")) size = Long.parseLong(asString(attrs.get(i + 1)));
            }
            if (uid == 0) return;
            if (done.contains(Long.toString(uid))) sink.skipped();
            else out.add(new Listed(uid, size));
        });
        out.sort(java.util.Comparator.comparingLong(Listed::uid));
        return out;
    }

    @FunctionalInterface
    private interface MessageHandler {
        void message(SourceMessage m) throws IOException;
    }

    private void fetch(ImapClient c, Folder folder, List<Listed> chunk, MessageHandler handler) throws IOException {
        StringBuilder set = new StringBuilder();
        for (Listed l : chunk) set.append(set.isEmpty() ? "" : ",").append(l.uid());
        c.command("UID FETCH " + set + " (UID FLAGS INTERNALDATE BODY.PEEK[])", (seq, attrs) -> {
            long uid = 0;
            Set<String> flags = new LinkedHashSet<>();
            Instant date = Instant.now();
            byte[] body = null;
            for (int i = 0; i + 1 < attrs.size(); i += 2) {
                String key = asString(attrs.get(i)).toUpperCase(Locale.ROOT);
                Object value = attrs.get(i + 1);
                switch (key) {
                    case "UID" -> uid = Long.parseLong(asString(value));
                    case "FLAGS" -> {
                        if (value instanceof List<?> l) for (Object f : l) if (!asString(f).equalsIgnoreCase("\\Recent")) flags.add(asString(f));
                    }
                    case "INTERNALDATE" -> date = ZonedDateTime.parse(asString(value).strip(), INTERNALDATE).toInstant();
                    case "BODY[]" -> body = value instanceof byte[] b ? b : asString(value).getBytes(StandardCharsets.UTF_8);
                    default -> {}
                }
            }
            if (uid == 0 || body == null) return; // an unsolicited FETCH (a flag change elsewhere)
            byte[] bytes = body;
            handler.message(new SourceMessage(folder.name(), Long.toString(uid), uid, flags, date, bytes.length, () -> bytes));
        });
    }

    @Override
    public void close() {
        for (ImapClient c; (c = idle.poll()) != null; ) c.close();
    }
}
