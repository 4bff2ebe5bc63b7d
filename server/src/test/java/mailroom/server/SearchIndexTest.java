package mailroom.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SEARCH answered from the full-text index gives what reading every message gives (RFC 3501 and
 * RFC 9051 section 6.4.4: case-insensitive substrings), for a corpus of queries sent by Python's
 * imaplib: single and several words, substrings inside words, other cases, non-ASCII text in
 * quoted-printable and base64 parts and in encoded words, strings too short for trigrams, a body
 * longer than the index holds, and NOT/OR around text keys. The same queries run three times: with
 * every message indexed, with the index emptied so that every message is read (as after the
 * migration on an existing store), and after the backlog is caught up.
 */
class SearchIndexTest {
    private static final String HOST = "127.0.18.1";

    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("var"), c -> c.node.bind = HOST);
        new mailroom.storage.Accounts(node.node.storage(), "example.test").create("alice", "alice-password");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private static String b64(String text) {
        return Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The mailbox: each message in the order it is appended (UID 1, 2, ...). */
    private static List<String> corpus() {
        List<String> messages = new ArrayList<>();
        messages.add("""
                From: Carol Example <carol@remote.test>
                To: alice@example.test, Dave <dave@example.test>
                Cc: "Erin" <erin@example.test>
                Subject: Quarterly figures
                Message-ID: <q1@remote.test>

                The quick brown fox jumps over the lazy dog.
                """);
        messages.add("""
                From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@remote.test>
                To: alice@example.test
                Subject: =?UTF-8?Q?Gr=C3=B6=C3=9Fe_und_Pr=C3=BCfung?=
                Content-Type: text/plain; charset=iso-8859-1
                Content-Transfer-Encoding: quoted-printable

                Die Gr=F6=DFe der Stra=DFe =
                ist bekannt. QUICK thinking.
                """);
        messages.add("""
                From: ivan@remote.test
                To: alice@example.test
                Subject: =?KOI8-R?B?7cnS?=
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary=b

                --b
                Content-Type: text/plain; charset=utf-8
                Content-Transfer-Encoding: base64

                %s
                --b
                Content-Type: application/octet-stream
                Content-Transfer-Encoding: base64

                %s
                --b--
                """.formatted(b64("Привет, МИР! Большой текст про fox."), b64("invoice number 4711")));
        messages.add("""
                From: Carol Example <carol@remote.test>
                To: alice@example.test
                Subject: Fwd: notes
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary=outer

                --outer
                Content-Type: text/plain

                See the forwarded note.
                --outer
                Content-Type: message/rfc822

                From: someone@else.test
                Subject: Inner secret

                The inner Secret Word is pangolin.
                --outer--
                """);
        messages.add("From: dave@example.test\nTo: alice@example.test\nSubject: long one\n\nstarts here\n"
                + "filler line for the index limit\n".repeat(mailroom.core.mime.MessageText.BODY_LIMIT / 32 + 100)
                + "the needleatend is here\n");
        messages.add("""
                From: Erin <erin@example.test>
                To: carol@remote.test
                Subject: QuIcK BrOwN
                Content-Type: text/html; charset=utf-8

                <p>Some <b>bold</b> text, a_b and 100% done, "quoted words" too.</p>
                """);
        for (int i = 0; i < 6; i++) {
            messages.add("From: list%d@lists.test\nTo: alice@example.test\nSubject: digest %d\n\nissue %d of the weekly digest, brown bag lunch %s\n"
                    .formatted(i, i, i, i % 2 == 0 ? "friday" : "monday"));
        }
        return messages.stream().map(m -> m.replace("\n", "\r\n")).toList();
    }

    /** Each query is a list of search arguments; a string starting with "~" is sent as a UTF-8 literal (last). */
    private static final List<List<String>> QUERIES = List.of(
            List.of("TEXT", "quick"),
            List.of("TEXT", "\"quick brown\""),
            List.of("TEXT", "quick", "TEXT", "brown"),
            List.of("BODY", "QUICK"),
            List.of("TEXT", "uic"),
            List.of("TEXT", "\"brown  fox\""),
            List.of("SUBJECT", "quarterly"),
            List.of("SUBJECT", "\"quick brown\""),
            List.of("FROM", "carol"),
            List.of("FROM", "\"remote.test\""),
            List.of("FROM", "\"Carol Example\""),
            List.of("TO", "dave"),
            List.of("TO", "carol"),
            List.of("CC", "erin"),
            List.of("BCC", "erin"),
            List.of("BODY", "quarterly"),
            List.of("TEXT", "\"message-id: <q1\""),
            List.of("CHARSET", "UTF-8", "TEXT", "~größe"),
            List.of("CHARSET", "UTF-8", "SUBJECT", "~PRÜFUNG"),
            List.of("CHARSET", "UTF-8", "BODY", "~straße ist"),
            List.of("CHARSET", "UTF-8", "FROM", "~zoë"),
            List.of("CHARSET", "UTF-8", "TEXT", "~мир!"),
            List.of("CHARSET", "UTF-8", "SUBJECT", "~МИР"),
            List.of("CHARSET", "UTF-8", "BODY", "~большой"),
            List.of("BODY", "invoice"),
            List.of("TEXT", "pangolin"),
            List.of("SUBJECT", "\"inner secret\""),
            List.of("TEXT", "\"inner secret\""),
            List.of("BODY", "needleatend"),
            List.of("TEXT", "\"starts here\""),
            List.of("TEXT", "a_b"),
            List.of("TEXT", "\"100% done\""),
            List.of("TEXT", "\"\\\"quoted words\\\"\""),
            List.of("TEXT", "\"<b>bold\""),
            List.of("TEXT", "qu"),
            List.of("BODY", "x"),
            List.of("SUBJECT", "\"\""),
            List.of("NOT", "TEXT", "quick"),
            List.of("NOT", "BODY", "needleatend"),
            List.of("OR", "TEXT", "pangolin", "BODY", "friday"),
            List.of("OR", "SUBJECT", "digest", "NOT", "FROM", "carol"),
            List.of("OR", "TEXT", "fox", "SEEN"),
            List.of("TEXT", "brown", "NOT", "TEXT", "lunch"),
            List.of("UNSEEN", "TEXT", "monday"),
            List.of("TEXT", "\"weekly digest\"", "SUBJECT", "digest", "FROM", "lists"),
            List.of("CHARSET", "UTF-8", "OR", "TEXT", "fox", "TEXT", "~мир"));

    /** Appends the corpus (once) and runs every query with imaplib; returns each query's UIDs. */
    @SuppressWarnings("unchecked")
    private List<List<Integer>> runQueries(boolean append) throws Exception {
        var json = new ObjectMapper();
        Path corpusFile = dir.resolve("corpus.json");
        Path queryFile = dir.resolve("queries.json");
        json.writeValue(corpusFile.toFile(), append ? corpus() : List.of());
        json.writeValue(queryFile.toFile(), QUERIES);
        String script = """
                import imaplib, json, sys
                host, port, corpus, queries = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
                m = imaplib.IMAP4(host, port)
                assert m.login("alice", "alice-password")[0] == "OK"
                for i, message in enumerate(corpus):
                    flags = "(\\\\Seen)" if i % 3 == 0 else None
                    assert m.append("INBOX", flags, None, message.encode("utf-8"))[0] == "OK"
                m.select("INBOX")
                results = []
                for q in queries:
                    literal = [a for a in q if a.startswith("~")]
                    args = [a for a in q if not a.startswith("~")]
                    if literal:
                        m.literal = literal[0][1:].encode("utf-8")
                    typ, data = m.uid("SEARCH", *args)
                    assert typ == "OK", (q, typ, data)
                    results.append(sorted(int(u) for u in data[0].split()))
                m.logout()
                print(json.dumps(results))
                """;
        Path file = dir.resolve("search.py");
        Files.writeString(file, script);
        var process = new ProcessBuilder("python3", file.toString(), HOST, String.valueOf(node.imap()), corpusFile.toString(), queryFile.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        String[] lines = output.strip().split("\n");
        return json.readValue(lines[lines.length - 1], List.class);
    }

    private long backlog() throws Exception {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/mailroom.db"));
             var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM text_backlog")) {
            return rs.getLong(1);
        }
    }

    @Test
    void indexedSearchEqualsReadingEveryMessage() throws Exception {
        List<List<Integer>> indexed = runQueries(true);
        assertThat(backlog()).isZero();

        // As after the migration on a store made before it: nothing indexed, everything in the backlog.
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/mailroom.db")); var st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 30000");
            st.execute("DELETE FROM text_index");
            st.execute("DELETE FROM text_blobs");
            st.execute("DELETE FROM text_partial");
            st.execute("INSERT INTO text_backlog (blob_id) SELECT DISTINCT blob_id FROM messages");
        }
        List<List<Integer>> scanned = runQueries(false);
        long left = backlog();
        while (node.node.storage().mail().indexTextBacklog(5) > 0) {
            // caught up five at a time, as the node does in the background
        }
        List<List<Integer>> caughtUp = runQueries(false);

        for (int i = 0; i < QUERIES.size(); i++) {
            assertThat(indexed.get(i)).as("indexed %s (backlog during the scan: %d)", QUERIES.get(i), left).isEqualTo(scanned.get(i));
            assertThat(caughtUp.get(i)).as("caught up %s", QUERIES.get(i)).isEqualTo(scanned.get(i));
        }
        // And the answers are the right ones, not merely the same ones.
        Map<List<String>, List<Integer>> expected = Map.of(
                List.of("TEXT", "quick"), List.of(1, 2, 6),
                List.of("TEXT", "\"quick brown\""), List.of(1, 6),
                List.of("CHARSET", "UTF-8", "TEXT", "~мир!"), List.of(3),
                List.of("CHARSET", "UTF-8", "SUBJECT", "~МИР"), List.of(3),
                List.of("CHARSET", "UTF-8", "BODY", "~straße ist"), List.of(2),
                List.of("CHARSET", "UTF-8", "FROM", "~zoë"), List.of(2),
                List.of("BODY", "invoice"), List.of(),
                List.of("BODY", "needleatend"), List.of(5),
                List.of("TEXT", "pangolin"), List.of(4),
                List.of("NOT", "TEXT", "quick"), List.of(3, 4, 5, 7, 8, 9, 10, 11, 12));
        expected.forEach((query, uids) -> assertThat(indexed.get(QUERIES.indexOf(query))).as(query.toString()).isEqualTo(uids));
    }
}
