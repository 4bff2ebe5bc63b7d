package mailroom.storage;

import mailroom.core.mime.MessageParser;
import mailroom.core.mime.MessageText;
import mailroom.storage.MailStore.TextField;
import mailroom.storage.MailStore.TextMatches;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of SEARCH's full-text index ({@link MailStore#textMatches}) on every backend: the
 * UIDs it names as matching are exactly those whose text contains the string without regard to
 * case, those it is unsure of are the only others that may, and it follows delivery, import, COPY,
 * MOVE, EXPUNGE and blob collection in the same transaction.
 */
public abstract class TextIndexContract {
    @TempDir
    protected Path dir;
    protected Storage storage;
    protected long alice, bob, inbox;

    protected abstract StorageOpener opener();

    /** A plain JDBC connection to the database under {@link #storage}. */
    protected abstract java.sql.Connection database() throws java.sql.SQLException;

    /** Empties the index and puts every stored message in its backlog, as the migration leaves a store made before it. */
    protected abstract void forgetIndex(java.sql.Connection c) throws java.sql.SQLException;

    @BeforeEach
    void open() {
        storage = opener().open(dir);
        storage.directory().addDomain("example.test");
        alice = storage.directory().addAccount("alice", "example.test", "hash").id();
        bob = storage.directory().addAccount("bob", "example.test", "hash").id();
        inbox = storage.mail().createMailbox(alice, Mailbox.INBOX, null).id();
        storage.mail().createMailbox(bob, Mailbox.INBOX, null);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private static byte[] bytes(String message) {
        return message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private long deliver(String message, long... accounts) throws Exception {
        return TestMessages.deliver(storage, bytes(message), accounts).getFirst().uid();
    }

    private TextMatches find(TextField field, String text) {
        return storage.mail().textMatches(alice, inbox, field, text).orElseThrow();
    }

    private Set<Long> matching(TextField field, String text) {
        TextMatches m = find(field, text);
        assertThat(m.unsure()).as("everything is indexed in full").isEmpty();
        return m.matching();
    }

    private static final String PLAIN = """
            From: Carol Example <carol@remote.test>
            To: alice@example.test, Dave <dave@example.test>
            Cc: "Erin" <erin@example.test>
            Subject: Quarterly figures
            Message-ID: <q1@remote.test>

            The quick brown fox jumps over the lazy dog.
            """;

    @Test
    void findsSubstringsWithoutRegardToCaseAndNothingElse() throws Exception {
        long quick = deliver(PLAIN, alice);
        long other = deliver("Subject: unrelated\n\nnothing to see\n", alice);
        assertThat(matching(TextField.BODY, "quick brown")).containsExactly(quick);
        assertThat(matching(TextField.BODY, "QUICK")).containsExactly(quick);
        assertThat(matching(TextField.BODY, "uic")).containsExactly(quick); // inside a word
        assertThat(matching(TextField.BODY, "brown  fox")).isEmpty();       // two spaces: not a substring
        assertThat(matching(TextField.BODY, "to see")).containsExactly(other);
        assertThat(matching(TextField.BODY, "nowhere at all")).isEmpty();
    }

    @Test
    void eachKeyLooksWhereSearchLooks() throws Exception {
        long uid = deliver(PLAIN, alice);
        assertThat(matching(TextField.SUBJECT, "quarterly")).containsExactly(uid);
        assertThat(matching(TextField.SUBJECT, "lazy dog")).isEmpty();
        assertThat(matching(TextField.FROM, "carol example")).containsExactly(uid);   // the display name
        assertThat(matching(TextField.FROM, "carol@remote")).containsExactly(uid);   // the address
        assertThat(matching(TextField.TO, "dave@example")).containsExactly(uid);
        assertThat(matching(TextField.TO, "carol")).isEmpty();
        assertThat(matching(TextField.CC, "erin")).containsExactly(uid);
        assertThat(matching(TextField.BCC, "erin")).isEmpty();
        assertThat(matching(TextField.BODY, "quarterly")).isEmpty();                 // BODY is not the header
        assertThat(matching(TextField.TEXT, "quarterly")).containsExactly(uid);      // TEXT is both
        assertThat(matching(TextField.TEXT, "message-id: <q1")).containsExactly(uid); // any header field
        assertThat(matching(TextField.TEXT, "lazy dog")).containsExactly(uid);
    }

    @Test
    void decodesTransferEncodingsCharsetsAndEncodedWords() throws Exception {
        long qp = deliver("""
                Subject: =?UTF-8?Q?Gr=C3=B6=C3=9Fe_und_Pr=C3=BCfung?=
                Content-Type: text/plain; charset=iso-8859-1
                Content-Transfer-Encoding: quoted-printable

                Die Gr=F6=DFe der Stra=DFe =
                ist bekannt.
                """, alice);
        String russian = java.util.Base64.getEncoder().encodeToString("Привет, МИР! Большой текст.".getBytes(StandardCharsets.UTF_8));
        long b64 = deliver("""
                Subject: =?KOI8-R?B?7cnS?=
                MIME-Version: 1.0
                Content-Type: multipart/alternative; boundary=b

                --b
                Content-Type: text/plain; charset=utf-8
                Content-Transfer-Encoding: base64

                %s
                --b
                Content-Type: image/png
                Content-Transfer-Encoding: base64

                aWdub3JlZCBpbWFnZSB0ZXh0
                --b--
                """.formatted(russian), alice);
        assertThat(matching(TextField.SUBJECT, "GRÖSSE")).isEmpty();              // ß folds to itself, not "ss"
        assertThat(matching(TextField.SUBJECT, "größe")).containsExactly(qp);
        assertThat(matching(TextField.SUBJECT, "PRÜFUNG")).containsExactly(qp);
        assertThat(matching(TextField.BODY, "straße ist")).containsExactly(qp);   // a soft line break joined
        assertThat(matching(TextField.BODY, "мир!")).containsExactly(b64);
        assertThat(matching(TextField.TEXT, "БОЛЬШОЙ")).containsExactly(b64);
        assertThat(matching(TextField.SUBJECT, "мир")).containsExactly(b64);      // KOI8-R encoded word
        assertThat(matching(TextField.BODY, "ignored image")).isEmpty();          // not a text part
        assertThat(matching(TextField.BODY, "aWdub3")).isEmpty();                 // nor its encoding
    }

    @Test
    void searchSyntaxInTheStringIsLiteral() throws Exception {
        long uid = deliver("Subject: odd\n\nhe said \"100% a_b\" and \\left\n", alice);
        deliver("Subject: plain\n\n100 percent ab\n", alice);
        assertThat(matching(TextField.BODY, "said \"100%")).containsExactly(uid);
        assertThat(matching(TextField.BODY, "a_b")).containsExactly(uid);
        assertThat(matching(TextField.BODY, "% a")).containsExactly(uid);
        assertThat(matching(TextField.BODY, "\\left")).containsExactly(uid);
        assertThat(matching(TextField.BODY, "a*b")).isEmpty();
    }

    @Test
    void shortStringsAreEitherAnsweredExactlyOrLeftToTheCaller() throws Exception {
        long uid = deliver("Subject: xy\n\nzq\n", alice);
        deliver("Subject: other\n\nother\n", alice);
        for (String s : List.of("zq", "Z", "xy")) {
            Optional<TextMatches> m = storage.mail().textMatches(alice, inbox, TextField.TEXT, s);
            m.ifPresent(found -> assertThat(found.matching()).as(s).containsExactly(uid));
        }
        assertThat(storage.mail().textMatches(alice, inbox, TextField.TEXT, "")).isEmpty();
        assertThat(storage.mail().textMatches(alice, inbox, TextField.FROM, "a\nb")).isEmpty();
    }

    @Test
    void followsCopyMoveExpungeAndAccounts() throws Exception {
        long uid = deliver(PLAIN, alice, bob);
        long archive = storage.mail().createMailbox(alice, "Archive", null).id();
        long trash = storage.mail().createMailbox(alice, "Trash", null).id();
        var copied = storage.mail().copy(alice, inbox, List.of(uid), archive, false).getFirst();
        assertThat(storage.mail().textMatches(alice, archive, TextField.BODY, "lazy").orElseThrow().matching()).containsExactly(copied.targetUid());
        var moved = storage.mail().copy(alice, archive, List.of(copied.targetUid()), trash, true).getFirst();
        assertThat(storage.mail().textMatches(alice, archive, TextField.BODY, "lazy").orElseThrow().matching()).isEmpty();
        assertThat(storage.mail().textMatches(alice, trash, TextField.BODY, "lazy").orElseThrow().matching()).containsExactly(moved.targetUid());

        storage.mail().expunge(alice, inbox, List.of(uid));
        assertThat(matching(TextField.BODY, "lazy")).isEmpty();
        long bobInbox = storage.mail().mailbox(bob, Mailbox.INBOX).orElseThrow().id();
        assertThat(storage.mail().textMatches(bob, bobInbox, TextField.BODY, "lazy").orElseThrow().matching()).containsExactly(1L);
    }

    @Test
    void importedMessagesAreIndexed() throws Exception {
        byte[] message = bytes(PLAIN);
        String blob;
        try (var writer = storage.blobs().create()) {
            writer.stream().write(message);
            blob = writer.commit();
        }
        var outcome = storage.mail().importMessages(alice, List.of(new Import(Mailbox.INBOX, blob, MessageParser.parse(message), Instant.now(), Set.of(), 0, null)));
        assertThat(matching(TextField.TEXT, "jumps over")).containsExactly(((Import.Filed) outcome.getFirst()).uid());
    }

    @Test
    void aLongBodyIsIndexedInPartAndTheRestLeftToTheCaller() throws Exception {
        String filler = "filler line of text\n".repeat(MessageText.BODY_LIMIT / 20 + 10);
        long uid = deliver("Subject: long\n\nearly needle\n" + filler + "late needle\n", alice);
        long other = deliver("Subject: short\n\nnothing\n", alice);
        TextMatches early = find(TextField.BODY, "early needle");
        assertThat(early.matching()).containsExactly(uid);
        assertThat(early.unsure()).isEmpty();
        TextMatches late = find(TextField.BODY, "late needle");
        assertThat(late.matching()).isEmpty();
        assertThat(late.unsure()).containsExactly(uid);
        assertThat(late.unsure()).doesNotContain(other);
    }

    @Test
    void messagesStoredBeforeTheIndexAreUnsureUntilCaughtUp() throws Exception {
        long first = deliver(PLAIN, alice);
        long second = deliver("Subject: second\n\nlazy afternoon\n", alice);
        try (var c = database()) {
            forgetIndex(c);
        }
        TextMatches before = find(TextField.BODY, "lazy");
        assertThat(before.matching()).isEmpty();
        assertThat(before.unsure()).containsExactlyInAnyOrder(first, second);

        assertThat(storage.mail().indexTextBacklog(1)).isEqualTo(1);
        TextMatches half = find(TextField.BODY, "lazy");
        assertThat(half.matching().size() + half.unsure().size()).isEqualTo(2);
        assertThat(storage.mail().indexTextBacklog(100)).isEqualTo(1);
        assertThat(storage.mail().indexTextBacklog(100)).isZero();
        assertThat(matching(TextField.BODY, "lazy")).containsExactlyInAnyOrder(first, second);
        assertThat(matching(TextField.BODY, "lazy dog")).containsExactly(first);
    }

    @Test
    void aCollectedBlobLeavesTheIndex() throws Exception {
        long uid = deliver(PLAIN, alice);
        deliver("Subject: kept\n\nkept\n", alice);
        storage.mail().expunge(alice, inbox, List.of(uid));
        storage.mail().collectBlobs(Instant.now().plusSeconds(60));
        try (var c = database(); var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM text_blobs")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        assertThat(matching(TextField.BODY, "kept")).containsExactly(2L);
    }
}
