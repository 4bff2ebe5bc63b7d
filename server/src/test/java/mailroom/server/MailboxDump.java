package mailroom.server;

import mailroom.transfer.imap.ImapClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an IMAP client sees of an account, to compare two servers: per folder its UIDVALIDITY and
 * every message's UID, SHA-256 of BODY.PEEK[], flags and keywords (without \Recent) and internal
 * date; and the subscriptions. Also fills an account over IMAP with APPEND (LITERAL+).
 */
final class MailboxDump {
    record Message(long uid, String sha256, Set<String> flags, Instant internalDate) {}

    record Folder(long uidValidity, List<Message> messages) {}

    record Account(TreeMap<String, Folder> folders, Set<String> subscriptions) {}

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);

    private MailboxDump() {}

    static Account of(String host, int port, String user, String password) throws IOException {
        try (var c = new ImapClient(host, port, ImapClient.Security.STARTTLS_IF_OFFERED, true)) {
            c.login(user, password);
            var folders = new TreeMap<String, Folder>();
            for (var u : c.command("LIST \"\" \"*\"", null)) {
                if (!u.values().get(0).toString().equalsIgnoreCase("LIST")) continue;
                String listed = u.values().get(1).toString().toLowerCase(Locale.ROOT);
                if (listed.contains("noselect") || listed.contains("nonexistent")) continue;
                String name = text(u.values().get(3));
                long uidValidity = 0;
                for (var e : c.command("EXAMINE \"" + name + "\"", null)) {
                    var m = java.util.regex.Pattern.compile("UIDVALIDITY (\\d+)").matcher(e.values().toString());
                    if (m.find()) uidValidity = Long.parseLong(m.group(1));
                }
                List<Message> messages = new ArrayList<>();
                c.command("UID FETCH 1:* (UID FLAGS INTERNALDATE BODY.PEEK[])", (seq, attrs) -> {
                    long uid = 0;
                    Set<String> flags = new TreeSet<>();
                    Instant date = null;
                    String sha = null;
                    for (int i = 0; i + 1 < attrs.size(); i += 2) {
                        String key = text(attrs.get(i)).toUpperCase(Locale.ROOT);
                        Object v = attrs.get(i + 1);
                        switch (key) {
                            case "UID" -> uid = Long.parseLong(text(v));
                            case "FLAGS" -> ((List<?>) v).forEach(f -> {
                                if (!text(f).equalsIgnoreCase("\\Recent")) flags.add(text(f));
                            });
                            case "INTERNALDATE" -> date = ZonedDateTime.parse(text(v).strip(), DATE).toInstant();
                            case "BODY[]" -> sha = sha256(v instanceof byte[] b ? b : text(v).getBytes(StandardCharsets.UTF_8));
                            default -> {}
                        }
                    }
                    if (sha != null) messages.add(new Message(uid, sha, flags, date));
                });
                messages.sort(java.util.Comparator.comparingLong(Message::uid));
                folders.put(mailroom.core.mail.MailboxNames.decodeUtf7(name), new Folder(uidValidity, messages));
            }
            Set<String> subscriptions = new TreeSet<>();
            for (var u : c.command("LSUB \"\" \"*\"", null)) {
                if (u.values().get(0).toString().equalsIgnoreCase("LSUB")) subscriptions.add(mailroom.core.mail.MailboxNames.decodeUtf7(text(u.values().get(3))));
            }
            return new Account(folders, subscriptions);
        }
    }

    private static String text(Object v) {
        return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An IMAP session that creates, subscribes and appends, for filling a server. */
    static final class Filler implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private int tag;

        Filler(String host, int port, String user, String password) throws IOException {
            socket = new Socket(host, port);
            socket.setSoTimeout(30_000);
            in = new java.io.BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            line();
            ok("LOGIN \"" + user + "\" \"" + password + "\"");
        }

        void ok(String command) throws IOException {
            send(command.getBytes(StandardCharsets.UTF_8));
        }

        void append(String mailbox, String flags, String internalDate, byte[] message) throws IOException {
            String head = "APPEND \"" + mailbox + "\" (" + flags + ")" + (internalDate == null ? "" : " \"" + internalDate + "\"") + " {" + message.length + "+}\r\n";
            byte[] cmd = new byte[head.length() + message.length];
            System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, cmd, 0, head.length());
            System.arraycopy(message, 0, cmd, head.length(), message.length);
            send(cmd);
        }

        private void send(byte[] command) throws IOException {
            String t = "f" + (++tag);
            out.write((t + " ").getBytes(StandardCharsets.US_ASCII));
            out.write(command);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (String l = line(); ; l = line()) {
                if (l.startsWith(t + " ")) {
                    if (!l.startsWith(t + " OK")) throw new IOException("refused: " + l);
                    return;
                }
            }
        }

        private String line() throws IOException {
            var b = new java.io.ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) throw new IOException("closed");
                b.write(c);
            }
            return b.toString(StandardCharsets.UTF_8).strip();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
