package mailroom.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A mail client's first screen on a 100,000-message INBOX: the newest 50 messages with their
 * sender, subject and date. Over JMAP that is one request, Email/query (inMailbox, receivedAt
 * descending, limit 50) with Email/get of from, subject and receivedAt by a result reference; over
 * IMAP, with the mailbox selected, UID SORT (REVERSE ARRIVAL) and UID FETCH of the 50 newest
 * ENVELOPEs. Times JMAP and IMAP on Mailroom and IMAP on Dovecot in alternation and prints the
 * medians side by side. Fills both mailboxes first (Mailroom by APPEND, Dovecot's Maildir directly).
 *
 * <p>Usage: JmapBench host mailroomImapPort jmapPort dovecotImapPort dovecotMaildir messages rounds
 */
public final class JmapBench {
    static final String USER = "big@example.test", PASSWORD = "bench-password";
    static final int NEWEST = 50;
    static String host;

    public static void main(String[] args) throws Exception {
        host = args[0];
        int mailroomImap = Integer.parseInt(args[1]), jmapPort = Integer.parseInt(args[2]), dovecotImap = Integer.parseInt(args[3]);
        Path maildir = Path.of(args[4]);
        int messages = Integer.parseInt(args[5]), rounds = Integer.parseInt(args[6]);

        long t0 = System.nanoTime();
        ImapBench.fill(host, mailroomImap, USER, PASSWORD, messages);
        System.out.printf("filled Mailroom by APPEND: %d messages in %.1f s%n", messages, (System.nanoTime() - t0) / 1e9);
        Compare.fillMaildir(maildir, messages);
        try (var c = new ImapClient(host, dovecotImap)) { // Dovecot indexes the Maildir here, unmeasured
            c.command("LOGIN " + USER + " " + PASSWORD);
            c.command("SELECT INBOX");
        }

        var jmap = new Jmap(jmapPort);
        try (var mailroom = session(mailroomImap); var dovecot = session(dovecotImap)) {
            double[] j = new double[rounds], jg = new double[rounds], mi = new double[rounds], di = new double[rounds];
            for (int r = -5; r < rounds; r++) { // five rounds of warm-up each
                double a = jmap.firstScreen(false), g = jmap.firstScreen(true), b = imapFirstScreen(mailroom), c = imapFirstScreen(dovecot);
                if (r >= 0) {
                    j[r] = a;
                    jg[r] = g;
                    mi[r] = b;
                    di[r] = c;
                }
            }
            System.out.printf("newest %d of %d by receivedAt/ARRIVAL with from, subject, date, median of %d rounds:%n", NEWEST, messages, rounds);
            System.out.printf("  %-44s %8.1f ms   (min %.1f)%n", "Mailroom JMAP, Email/query + Email/get", Compare.median(j), min(j));
            System.out.printf("  %-44s %8.1f ms   (min %.1f)%n", "  the same, the query by its general path", Compare.median(jg), min(jg));
            System.out.printf("  %-44s %8.1f ms   (min %.1f)%n", "Mailroom IMAP, UID SORT + UID FETCH ENVELOPE", Compare.median(mi), min(mi));
            System.out.printf("  %-44s %8.1f ms   (min %.1f)%n", "Dovecot IMAP, UID SORT + UID FETCH ENVELOPE", Compare.median(di), min(di));
        }
    }

    private static double min(double[] v) {
        double m = Double.MAX_VALUE;
        for (double x : v) m = Math.min(m, x);
        return m;
    }

    private static ImapClient session(int port) throws Exception {
        var c = new ImapClient(host, port);
        c.command("LOGIN " + USER + " " + PASSWORD);
        c.command("SELECT INBOX");
        return c;
    }

    private static final Pattern SORTED = Pattern.compile("^\\* SORT ?(.*)$");

    /** Milliseconds for the newest 50 with their envelopes over IMAP, the mailbox selected. */
    static double imapFirstScreen(ImapClient c) throws Exception {
        long t0 = System.nanoTime();
        List<String> uids = new ArrayList<>();
        for (String line : c.lines("UID SORT (REVERSE ARRIVAL) US-ASCII ALL")) {
            var m = SORTED.matcher(line);
            if (m.matches()) for (String u : m.group(1).trim().split(" ")) if (uids.size() < NEWEST && !u.isEmpty()) uids.add(u);
        }
        List<String> fetched = c.lines("UID FETCH " + String.join(",", uids) + " (ENVELOPE)");
        double ms = (System.nanoTime() - t0) / 1e6;
        long envelopes = fetched.stream().filter(l -> l.contains("ENVELOPE")).count();
        if (uids.size() != NEWEST || envelopes != NEWEST) throw new IllegalStateException("IMAP gave " + uids.size() + " UIDs and " + envelopes + " envelopes");
        return ms;
    }

    /** A JMAP client over HTTPS with a bearer token (what a client keeps after logging in once). */
    static final class Jmap {
        private final HttpClient http;
        private final String api, token, account, inbox;

        Jmap(int port) throws Exception {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {new X509TrustManager() { // the node's self-signed certificate
                public void checkClientTrusted(X509Certificate[] chain, String type) {}

                public void checkServerTrusted(X509Certificate[] chain, String type) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            http = HttpClient.newBuilder().sslContext(tls).build();
            String base = "https://" + host + ":" + port;
            String basic = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            String tokenJson = http.send(HttpRequest.newBuilder(URI.create(base + "/jmap/token?scope=read")).header("Authorization", basic)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
            token = field(tokenJson, "token");
            String session = http.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/jmap")).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            api = field(session, "apiUrl");
            account = field(session, "urn:ietf:params:jmap:mail");
            String boxes = post("[[\"Mailbox/query\", {\"accountId\": \"" + account + "\", \"filter\": {\"role\": \"inbox\"}}, \"0\"]]");
            inbox = boxes.replaceAll("(?s).*\"ids\":\\[\"([^\"]+)\".*", "$1");
        }

        /** The first string value of a field in a JSON text (enough for the few answers read here). */
        private static String field(String json, String name) {
            var m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(json);
            if (!m.find()) throw new IllegalStateException("no " + name + " in " + json);
            return m.group(1);
        }

        private String post(String calls) throws Exception {
            String body = "{\"using\": [\"urn:ietf:params:jmap:core\", \"urn:ietf:params:jmap:mail\"], \"methodCalls\": " + calls + "}";
            var response = http.send(HttpRequest.newBuilder(URI.create(api)).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) throw new IllegalStateException(response.statusCode() + " " + response.body());
            return response.body();
        }

        /**
         * Milliseconds for the newest 50 with from, subject and receivedAt: one request of two calls.
         * With {@code general}, the same filter is written as an AND of one condition, which the
         * server answers by listing and sorting the mailbox instead of from its arrival index.
         */
        double firstScreen(boolean general) throws Exception {
            String filter = general ? "{\"operator\": \"AND\", \"conditions\": [{\"inMailbox\": \"" + inbox + "\"}]}" : "{\"inMailbox\": \"" + inbox + "\"}";
            long t0 = System.nanoTime();
            String body = post("[[\"Email/query\", {\"accountId\": \"" + account + "\", \"filter\": " + filter + ","
                    + " \"sort\": [{\"property\": \"receivedAt\", \"isAscending\": false}], \"limit\": " + NEWEST + "}, \"q\"],"
                    + " [\"Email/get\", {\"accountId\": \"" + account + "\", \"#ids\": {\"resultOf\": \"q\", \"name\": \"Email/query\", \"path\": \"/ids\"},"
                    + " \"properties\": [\"from\", \"subject\", \"receivedAt\"]}, \"g\"]]");
            double ms = (System.nanoTime() - t0) / 1e6;
            int got = body.split("\"receivedAt\"", -1).length - 1;
            if (got != NEWEST) throw new IllegalStateException("JMAP gave " + got + " Emails: " + body.substring(0, Math.min(300, body.length())));
            return ms;
        }
    }
}
