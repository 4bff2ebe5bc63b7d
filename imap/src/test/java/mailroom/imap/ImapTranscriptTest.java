package mailroom.imap;

import mailroom.storage.Mailbox;
import mailroom.storage.TestMessages;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** IMAP protocol corners as conversations: client line (C:), the start of the server's line (S:). */
class ImapTranscriptTest extends ImapTestServer {

    @Test
    void badSyntaxInEveryStateAnswersBadAndTheSessionGoesOn() throws Exception {
        try (var t = connect()) {
            t.play("""
                    # not authenticated
                    C: a1 FROB
                    S: a1 BAD Unknown command FROB
                    C: a2 SELECT INBOX
                    S: a2 BAD SELECT needs login first
                    C: a3 LOGIN alice
                    S: a3 BAD Missing argument
                    C: a4 LOGIN "unterminated
                    S: a4 BAD Unterminated quoted string
                    C: a5 NOOP extra
                    S: a5 BAD Unexpected characters
                    C:
                    S: * BAD Missing tag
                    C: a6 LOGIN alice wrong-password
                    S: a6 NO [AUTHENTICATIONFAILED]
                    C: a7 LOGIN alice alice-password
                    S: a7 OK [CAPABILITY
                    # authenticated
                    C: b1 FETCH 1 FLAGS
                    S: b1 BAD FETCH needs a selected mailbox
                    C: b2 SELECT
                    S: b2 BAD
                    C: b3 SELECT Nowhere
                    S: b3 NO [NONEXISTENT]
                    C: b4 STATUS INBOX (MESSAGES BOGUS)
                    S: b4 BAD Unknown STATUS item BOGUS
                    C: b5 LOGIN alice alice-password
                    S: b5 BAD LOGIN is only valid before login
                    C: b6 SELECT INBOX
                    S: * FLAGS
                    S: * OK [PERMANENTFLAGS
                    S: * 2 EXISTS
                    S: * 2 RECENT
                    S: * OK [UNSEEN 1]
                    S: * OK [UIDVALIDITY
                    S: * OK [UIDNEXT 3]
                    S: * OK [MAILBOXID (F
                    S: b6 OK [READ-WRITE] SELECT completed
                    # selected
                    C: c1 FETCH 3 FLAGS
                    S: c1 BAD No message with that number
                    C: c2 FETCH 1:2 (FLAGS BOGUS)
                    S: c2 BAD Unknown FETCH item BOGUS
                    C: c3 FETCH 0 FLAGS
                    S: c3 BAD Invalid sequence set
                    C: c4 STORE 1 FLAGS.LOUD (\\Seen)
                    S: c4 BAD Expected FLAGS
                    C: c5 STORE 1 +FLAGS (\\Bogus)
                    S: c5 BAD Unknown system flag
                    C: c6 SEARCH FROB
                    S: c6 BAD Unknown search key FROB
                    C: c7 SEARCH CHARSET KOI8-R ALL
                    S: c7 NO [BADCHARSET (UTF-8 US-ASCII)]
                    C: c8 COPY 1 Nowhere
                    S: c8 NO [TRYCREATE]
                    C: c9 UID FETCH 1 BODY.PEEK[9]
                    S: * 1 FETCH (UID 1 BODY[9] NIL)
                    S: c9 OK
                    C: d1 NOOP
                    S: d1 OK NOOP completed
                    C: d2 LOGOUT
                    S: * BYE
                    S: d2 OK LOGOUT completed
                    """);
            assertThat(t.closedByServer()).isTrue();
        }
    }

    @Test
    void literalsSynchronisingAndNonSynchronising() throws Exception {
        try (var t = connect()) {
            t.send("a LOGIN {5}").expect("+ Ready for literal data");
            t.send("alice {14+}");
            t.send(PASSWORD).expect("a OK [CAPABILITY");
            t.send("b APPEND INBOX (\\Flagged) {23+}");
            t.sendRaw("Subject: literal\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
            t.send("").expect("b OK [APPENDUID ");
            t.send("c APPEND INBOX {2000000}").expect("c NO [TOOBIG]");
            t.send("d NOOP").expect("d OK");
        }
        assertThat(messages("INBOX")).hasSize(3);
        assertThat(messages("INBOX").get(2).flags()).containsExactly("\\Flagged");
    }

    @Test
    void authenticatePlainWithAndWithoutInitialResponse() throws Exception {
        String response = Base64.getEncoder().encodeToString(("\0alice\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        try (var t = connect()) {
            t.send("a AUTHENTICATE PLAIN " + response).expect("a OK [CAPABILITY");
        }
        try (var t = connect()) {
            t.send("a AUTHENTICATE PLAIN").expect("+");
            t.send("*").expect("a BAD AUTHENTICATE cancelled");
            t.send("b AUTHENTICATE PLAIN").expect("+");
            t.send(response).expect("b OK");
        }
    }

    @Test
    void fetchAnswersFromTheStoredStructure() throws Exception {
        try (var t = login()) {
            t.send("s EXAMINE INBOX").expect("* FLAGS");
            t.expect("* OK [PERMANENTFLAGS ()]");
            while (!t.readLine().startsWith("s OK [READ-ONLY]")) { /* the rest of the EXAMINE data */ }
            t.send("f1 FETCH 1 (UID RFC822.SIZE ENVELOPE)")
                    .expect("* 1 FETCH (UID 1 RFC822.SIZE " + messages("INBOX").get(0).size() + " ENVELOPE (\"Mon, 2 Nov 2026 10:00:00 +0000\" \"First message\" ((\"Bob Example\" NIL \"bob\" \"example.test\"))");
            t.expect("f1 OK");
            t.send("f2 FETCH 2 BODYSTRUCTURE").expect("* 2 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 26 1 NIL NIL NIL NIL)"
                    + "(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL \"base64\" 8 NIL (\"attachment\" (\"filename\" \"data.bin\")) NIL NIL) \"mixed\" (\"boundary\" \"sep\") NIL NIL NIL))");
            t.expect("f2 OK");
            t.send("f3 FETCH 2 (BODY[1] BODY[2.MIME])").expect("* 2 FETCH (BODY[1] {26}");
            t.expect("Gr=C3=BC=C3=9Fe aus Bremen BODY[2.MIME] {148}");
            t.expect("Content-Type: application/octet-stream; name=\"data.bin\"");
            t.expect("Content-Disposition: attachment");
            t.expect("Content-Transfer-Encoding: base64");
            t.expect("");
            t.expect(")");
            t.expect("f3 OK");
            t.send("f4 FETCH 2 (BINARY.SIZE[1] BINARY[1])").expect("* 2 FETCH (BINARY.SIZE[1] 18 BINARY[1] {18}");
            t.expect("Grüße aus Bremen)");
            t.expect("f4 OK");
            t.send("f5 FETCH 1 BODY[HEADER.FIELDS (subject)]<0.10>").expect("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)]<0> {10}");
            t.expect("Subject: F)");
            t.expect("f5 OK");
            t.send("f6 FETCH 1 FLAGS").expect("* 1 FETCH (FLAGS (\\Recent))"); // EXAMINE marks nothing \Seen; it shows \Recent without claiming it
        }
    }

    @Test
    void bodyFetchSetsSeenAndStoreReportsFlags() throws Exception {
        try (var t = login()) {
            t.send("s SELECT INBOX");
            while (!t.readLine().startsWith("s OK")) { /* SELECT data */ }
            t.send("f FETCH 1 BODY[TEXT]").expect("* 1 FETCH (BODY[TEXT] {41}");
            t.expect("Hello Alice, this is the first message.");
            t.expect(" FLAGS (\\Seen \\Recent))");
            t.expect("f OK");
            t.play("""
                    C: s1 STORE 2 +FLAGS (\\Flagged $Important)
                    S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)
                    S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important \\*)]
                    S: * 2 FETCH (UID 2 FLAGS (\\Flagged $Important \\Recent))
                    S: s1 OK
                    C: s2 STORE 2 -FLAGS.SILENT ($Important)
                    S: s2 OK
                    C: s3 UID STORE 1:* FLAGS (\\Deleted)
                    S: * 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))
                    S: * 2 FETCH (UID 2 FLAGS (\\Deleted \\Recent))
                    S: s3 OK
                    C: s4 SEARCH DELETED SINCE 1-Jan-2020
                    S: * SEARCH 1 2
                    S: s4 OK
                    C: s5 UID EXPUNGE 2
                    S: * 2 EXPUNGE
                    S: s5 OK
                    C: s6 EXPUNGE
                    S: * 1 EXPUNGE
                    S: s6 OK
                    """);
        }
        assertThat(messages("INBOX")).isEmpty();
    }

    @Test
    void searchKeysAndEsearch() throws Exception {
        try (var t = login()) {
            t.send("s SELECT INBOX");
            while (!t.readLine().startsWith("s OK")) { /* SELECT data */ }
            t.play("""
                    C: a SEARCH FROM bob
                    S: * SEARCH 1
                    S: a OK
                    C: b SEARCH CHARSET UTF-8 BODY grüße
                    S: * SEARCH 2
                    S: b OK
                    C: c SEARCH OR SUBJECT first HEADER Content-Type multipart
                    S: * SEARCH 1 2
                    S: c OK
                    C: d SEARCH NOT (FROM bob) SENTON 3-Nov-2026
                    S: * SEARCH 2
                    S: d OK
                    C: e UID SEARCH LARGER 400 UNSEEN
                    S: * SEARCH 2
                    S: e OK
                    C: f SEARCH RETURN (MIN MAX COUNT) ALL
                    S: * ESEARCH (TAG "f") MIN 1 MAX 2 COUNT 2
                    S: f OK
                    C: g UID SEARCH RETURN () 2:*
                    S: * ESEARCH (TAG "g") UID ALL 2
                    S: g OK
                    C: h SEARCH TEXT "nothing like this"
                    S: * SEARCH
                    S: h OK
                    """);
        }
    }

    @Test
    void mailboxesAreCreatedRenamedListedAndDeleted() throws Exception {
        try (var t = login()) {
            t.play("""
                    C: a CREATE Projects/2026/
                    S: a OK
                    C: b CREATE INBOX
                    S: b NO [ALREADYEXISTS]
                    C: c LIST "" Projects*
                    S: * LIST (\\HasChildren) "/" "Projects"
                    S: * LIST (\\HasNoChildren) "/" "Projects/2026"
                    S: c OK
                    C: d RENAME Projects Archive
                    S: d NO [ALREADYEXISTS]
                    C: e RENAME Projects Old/Projects
                    S: e OK
                    C: f LIST "" %
                    S: * LIST (\\HasNoChildren) "/" "INBOX"
                    S: * LIST (\\HasNoChildren \\Archive) "/" "Archive"
                    S: * LIST (\\HasNoChildren \\Drafts) "/" "Drafts"
                    S: * LIST (\\HasNoChildren \\Junk) "/" "Junk"
                    S: * LIST (\\HasChildren) "/" "Old"
                    S: * LIST (\\HasNoChildren \\Sent) "/" "Sent"
                    S: * LIST (\\HasNoChildren \\Trash) "/" "Trash"
                    S: f OK
                    C: g SUBSCRIBE Old/Projects
                    S: g OK
                    C: h LIST (SUBSCRIBED RECURSIVEMATCH) "" % RETURN (STATUS (MESSAGES))
                    S: * LIST (\\HasChildren) "/" "Old" ("CHILDINFO" ("SUBSCRIBED"))
                    S: * STATUS "Old" (MESSAGES 0)
                    S: h OK
                    C: i LSUB "" *
                    S: * LSUB () "/" "Old/Projects"
                    S: i OK
                    C: i2 LSUB "" %
                    S: * LSUB (\\Noselect) "/" "Old"
                    S: i2 OK
                    C: i3 CREATE T8/T8
                    S: i3 OK
                    C: i4 CREATE T8/T9
                    S: i4 OK
                    C: i5 SUBSCRIBE T8/T8
                    S: i5 OK
                    C: i6 SUBSCRIBE T8/T9
                    S: i6 OK
                    C: i7 LIST (SUBSCRIBED RECURSIVEMATCH) "" *T8
                    S: * LIST (\\HasChildren) "/" "T8" ("CHILDINFO" ("SUBSCRIBED"))
                    S: * LIST (\\HasNoChildren \\Subscribed) "/" "T8/T8"
                    S: i7 OK
                    C: i8 LIST (SUBSCRIBED RECURSIVEMATCH) "" (T8 T8/T8 T8/T9)
                    S: * LIST (\\HasNoChildren \\Subscribed) "/" "T8/T8"
                    S: * LIST (\\HasNoChildren \\Subscribed) "/" "T8/T9"
                    S: i8 OK
                    C: j DELETE Old/Projects
                    S: j OK
                    C: k DELETE INBOX
                    S: k NO [CANNOT]
                    C: l LIST "" ""
                    S: * LIST (\\Noselect) "/" ""
                    S: l OK
                    C: m CREATE "Entw&APw-rfe"
                    S: m OK
                    C: n STATUS "Entw&APw-rfe" (MESSAGES UIDNEXT)
                    S: * STATUS "Entw&APw-rfe" (MESSAGES 0 UIDNEXT 1)
                    S: n OK
                    """);
        }
        assertThat(storage.mail().mailbox(alice, "Entwürfe")).isPresent();
        assertThat(storage.mail().mailbox(alice, "Old/Projects/2026")).isPresent();
    }

    @Test
    void renamingInboxMovesItsMessages() throws Exception {
        try (var t = login()) {
            t.send("a RENAME INBOX Saved").expect("a OK");
        }
        assertThat(messages("INBOX")).isEmpty();
        assertThat(messages("Saved")).hasSize(2);
    }

    @Test
    void copyAndMoveAnswerCopyUid() throws Exception {
        long validity = mailbox("Archive").uidValidity();
        try (var t = login()) {
            t.send("s SELECT INBOX");
            while (!t.readLine().startsWith("s OK")) { /* SELECT data */ }
            t.play("""
                    C: a COPY 1:2 Archive
                    S: a OK [COPYUID %1$d 1:2 1:2] COPY completed
                    C: b UID MOVE 1 Archive
                    S: * OK [COPYUID %1$d 1 3] Moved
                    S: * 1 EXPUNGE
                    S: b OK UID MOVE completed
                    C: c FETCH 1 UID
                    S: * 1 FETCH (UID 2)
                    S: c OK
                    """.formatted(validity));
        }
        assertThat(messages("Archive")).hasSize(3);
    }

    @Test
    void anotherSessionsChangesAreReportedAtNoopAndNeverDuringFetch() throws Exception {
        try (var a = login(); var b = login()) {
            a.send("s SELECT INBOX");
            while (!a.readLine().startsWith("s OK")) { /* SELECT data */ }
            b.send("s SELECT INBOX");
            while (!b.readLine().startsWith("s OK")) { /* SELECT data */ }
            b.play("""
                    C: x STORE 1 +FLAGS.SILENT (\\Deleted)
                    S: x OK
                    C: y EXPUNGE
                    S: * 1 EXPUNGE
                    S: y OK
                    """);
            deliver("Subject: third\r\n\r\nnew\r\n");
            a.play("""
                    # message 1 is gone from the store: its number stays until NOOP, but there is nothing to fetch (RFC 2180 4.1.2)
                    C: f FETCH 1:2 UID
                    S: * 2 FETCH (UID 2)
                    S: * 3 EXISTS
                    S: * 3 RECENT
                    S: f OK
                    C: n NOOP
                    S: * 1 EXPUNGE
                    S: n OK
                    C: g FETCH 1:* UID
                    S: * 1 FETCH (UID 2)
                    S: * 2 FETCH (UID 3)
                    S: g OK
                    """);
        }
    }

    @Test
    void aChangeNoEventAnnouncesIsReadWithinTheSecond() throws Exception {
        // A second opening of the store, as a command-line tool makes: its writes reach the log but
        // publish no event on this server's bus, so only the once-a-second read finds them.
        try (var a = login(); var tool = mailroom.storage.sqlite.SqliteStorage.open(dir, true)) {
            a.send("s SELECT INBOX");
            while (!a.readLine().startsWith("s OK")) { /* SELECT data */ }
            TestMessages.deliver(tool, "Subject: quiet\r\n\r\nfrom elsewhere\r\n".getBytes(StandardCharsets.UTF_8), alice);
            Thread.sleep(SelectedMailbox.UNANNOUNCED.toMillis() + 100);
            a.play("""
                    C: n NOOP
                    S: * 3 EXISTS
                    S: * 3 RECENT
                    S: n OK
                    """);
        }
    }

    @Test
    void flagResyncFromMemoryFollowsOtherSessions() throws Exception {
        try (var a = login(); var b = login()) {
            a.send("s SELECT INBOX");
            while (!a.readLine().startsWith("s OK")) { /* SELECT data */ }
            b.send("s SELECT INBOX");
            while (!b.readLine().startsWith("s OK")) { /* SELECT data */ }
            a.play("""
                    C: f FETCH 1:* (FLAGS)
                    S: * 1 FETCH (FLAGS (\\Recent))
                    S: * 2 FETCH (FLAGS (\\Recent))
                    S: f OK
                    """);
            b.play("""
                    C: x STORE 2 +FLAGS.SILENT (\\Flagged $Work)
                    S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)
                    S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted
                    S: x OK
                    C: y STORE 1 +FLAGS.SILENT (\\Deleted)
                    S: y OK
                    C: z EXPUNGE
                    S: * 1 EXPUNGE
                    S: z OK
                    """);
            deliver("Subject: third\r\n\r\nnew\r\n");
            a.play("""
                    # answered from the flag cache, which caught up with the log: 1 is gone, 2 has new flags
                    C: g UID FETCH 1:* (FLAGS)
                    S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)
                    S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted
                    S: * 2 FETCH (UID 2 FLAGS (\\Flagged $Work \\Recent))
                    # then what else changed (a UID command may announce the expunge), but not the flags just told
                    S: * 1 EXPUNGE
                    S: * 2 EXISTS
                    S: * 2 RECENT
                    S: g OK
                    C: h FETCH 1:* (UID FLAGS)
                    S: * 1 FETCH (UID 2 FLAGS (\\Flagged $Work \\Recent))
                    S: * 2 FETCH (UID 3 FLAGS (\\Recent))
                    S: h OK
                    """);
            // IDLE lets the cache go; the next resync builds it again and sees what changed meanwhile.
            a.send("i IDLE").expect("+ idling");
            b.send("w UID STORE 2 -FLAGS.SILENT ($Work)");
            while (!b.readLine().startsWith("w OK")) { /* b learns of the new message */ }
            a.expect("* 1 FETCH (UID 2 FLAGS (\\Flagged \\Recent))");
            a.send("DONE").expect("i OK IDLE terminated");
            a.play("""
                    C: k FETCH 1:* (FLAGS)
                    S: * 1 FETCH (FLAGS (\\Flagged \\Recent))
                    S: * 2 FETCH (FLAGS (\\Recent))
                    S: k OK
                    """);
        }
    }

    @Test
    void idleReportsNewMailAndFlagChangesFromElsewhere() throws Exception {
        try (var watcher = login(); var other = login()) {
            watcher.send("s SELECT INBOX");
            while (!watcher.readLine().startsWith("s OK")) { /* SELECT data */ }
            watcher.send("i IDLE").expect("+ idling");
            long started = System.nanoTime();
            deliver("Subject: pushed\r\n\r\nright now\r\n");
            watcher.expect("* 3 EXISTS");
            assertThat((System.nanoTime() - started) / 1_000_000).as("ms until IDLE saw the delivery").isLessThan(1000);
            watcher.expect("* 3 RECENT"); // this session took the two older ones as \Recent at SELECT
            other.send("s SELECT INBOX");
            while (!other.readLine().startsWith("s OK")) { /* SELECT data */ }
            other.send("x STORE 2 +FLAGS (\\Answered)").expect("* 2 FETCH");
            watcher.expect("* 2 FETCH (UID 2 FLAGS (\\Answered \\Recent))");
            watcher.send("DONE").expect("i OK IDLE terminated");
            watcher.send("n NOOP").expect("n OK");
        }
    }

    @Test
    void startTlsThenLogin() throws Exception {
        try (var t = connect()) {
            t.send("a STARTTLS").expect("a OK Begin TLS");
            t.startTls();
            t.send("b CAPABILITY").expect("* CAPABILITY IMAP4rev1");
            t.expect("b OK");
            t.send("c LOGIN alice " + PASSWORD).expect("c OK");
        }
        try (var t = mailroom.core.testing.Transcript.tls("127.0.0.1", server.tlsPort())) {
            t.expect("* OK [CAPABILITY");
            t.send("a LOGIN alice " + PASSWORD).expect("a OK");
        }
    }

    @Test
    void enableIdNamespaceAndUtf8Names() throws Exception {
        try (var t = login()) {
            t.play("""
                    C: a ENABLE UTF8=ACCEPT CONDSTORE
                    S: * ENABLED UTF8=ACCEPT
                    S: a OK
                    C: b CREATE "Größe"
                    S: b OK
                    C: c ID ("name" "test client" "version" "1")
                    S: * ID ("name" "Mailroom"
                    S: c OK
                    C: d NAMESPACE
                    S: * NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared/" "/"))
                    S: d OK
                    C: e LIST "" Gr*
                    S: * LIST (\\HasNoChildren) "/" "Größe"
                    S: e OK
                    """);
        }
    }

    @Test
    void condstoreAndQresync() throws Exception {
        long validity = mailbox("INBOX").uidValidity();
        long start = mailbox("INBOX").highestModseq();
        try (var t = login()) {
            t.send("s SELECT INBOX (CONDSTORE)");
            String highest = null;
            for (String line = t.readLine(); !line.startsWith("s OK"); line = t.readLine()) {
                if (line.startsWith("* OK [HIGHESTMODSEQ ")) highest = line.split("[ \\]]")[3];
            }
            assertThat(highest).isEqualTo(String.valueOf(start));
            t.send("a STORE 1 +FLAGS.SILENT (\\Seen)").expect("* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) MODSEQ (" + (start + 1) + "))");
            t.expect("a OK");
            t.play("""
                    C: b STORE 1:2 (UNCHANGEDSINCE %1$d) +FLAGS (\\Flagged)
                    S: * 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ (%2$d))
                    S: b OK [MODIFIED 1] Conditional STORE failed
                    C: c FETCH 1:* (FLAGS) (CHANGEDSINCE %3$d)
                    S: * 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (%2$d))
                    S: c OK
                    C: d SEARCH MODSEQ %2$d
                    S: * SEARCH 2 (MODSEQ %2$d)
                    S: d OK
                    C: e STATUS Archive (HIGHESTMODSEQ MESSAGES)
                    S: * STATUS "Archive" (HIGHESTMODSEQ 0 MESSAGES 0)
                    S: e OK
                    """.formatted(start, start + 2, start + 1));
        }
        try (var t = login()) {
            t.play("""
                    C: a ENABLE QRESYNC
                    S: * ENABLED QRESYNC
                    S: a OK
                    C: b SELECT INBOX
                    """);
            while (!t.readLine().startsWith("b OK")) { /* SELECT data */ }
            t.play("""
                    C: c STORE 1 +FLAGS.SILENT (\\Deleted)
                    S: * 1 FETCH
                    S: c OK
                    C: d EXPUNGE
                    S: * VANISHED 1
                    S: d OK
                    C: e UNSELECT
                    S: e OK
                    C: f SELECT INBOX (QRESYNC (%1$d %2$d 1:5))
                    S: * FLAGS
                    S: * OK [PERMANENTFLAGS
                    S: * 1 EXISTS
                    S: * 0 RECENT
                    S: * OK [UNSEEN 1]
                    S: * OK [UIDVALIDITY %1$d]
                    S: * OK [UIDNEXT 3]
                    S: * OK [MAILBOXID (F
                    S: * OK [HIGHESTMODSEQ %3$d]
                    S: * VANISHED (EARLIER) 1
                    S: * 1 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (%4$d))
                    S: f OK [READ-WRITE]
                    C: g UID FETCH 1:* FLAGS (CHANGEDSINCE %2$d VANISHED)
                    S: * VANISHED (EARLIER) 1
                    S: * 1 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (%4$d))
                    S: g OK
                    """.formatted(validity, start, start + 4, start + 2));
        }
    }

    @Test
    void quotaIsReportedAndEnforced() throws Exception {
        try (var t = login()) {
            t.play("""
                    C: a GETQUOTAROOT INBOX
                    S: * QUOTAROOT "INBOX"
                    S: a OK
                    """);
            long used = storage.mail().accountSize(alice);
            accounts.setQuota("alice", used + 100); // room for a small message, not for copies of both
            long usedKib = (used + 1023) / 1024, limitKib = (used + 100) / 1024;
            t.play("""
                    C: b GETQUOTAROOT INBOX
                    S: * QUOTAROOT "INBOX" ""
                    S: * QUOTA "" (STORAGE %1$d %2$d)
                    S: b OK
                    C: c GETQUOTA ""
                    S: * QUOTA "" (STORAGE %1$d %2$d)
                    S: c OK
                    C: d SETQUOTA "" (STORAGE 100000)
                    S: d NO [NOPERM]
                    """.formatted(usedKib, limitKib));
            t.send("e APPEND INBOX {2000+}");
            t.sendRaw(("Subject: big\r\n\r\n" + "x".repeat(1983) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            t.send("").expect("e NO [OVERQUOTA]");
            t.send("f SELECT INBOX");
            while (!t.readLine().startsWith("f OK")) { /* SELECT data */ }
            t.send("g COPY 1:2 Archive").expect("g NO [OVERQUOTA]");
            t.send("h MOVE 1 Archive").expect("* OK [COPYUID"); // moving does not grow the mailbox
        }
    }

    /** COMPRESS=DEFLATE (RFC 4978) driven with a raw socket and java.util.zip on the client side. */
    @Test
    void compressDeflate() throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            var raw = socket.getInputStream();
            var out = socket.getOutputStream();
            assertThat(rawLine(raw)).contains("COMPRESS=DEFLATE");
            out.write(("a LOGIN alice " + PASSWORD + "\r\nb COMPRESS DEFLATE\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(rawLine(raw)).startsWith("a OK");
            assertThat(rawLine(raw)).isEqualTo("b OK DEFLATE active"); // read byte by byte: what follows is compressed
            var zout = new java.util.zip.DeflaterOutputStream(out, new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true), true);
            zout.write("c SELECT INBOX\r\nd FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]\r\ne COMPRESS DEFLATE\r\n".getBytes(StandardCharsets.US_ASCII));
            zout.flush();
            String replies = inflateUntil(raw, "e NO");
            assertThat(replies).contains("c OK [READ-WRITE]")
                    .contains("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {26}\r\nSubject: First message\r\n\r\n)\r\nd OK")
                    .contains("e NO [COMPRESSIONACTIVE]");
        }
    }

    /** Inflates what the server sends until {@code marker} shows up. */
    private static String inflateUntil(java.io.InputStream raw, String marker) throws Exception {
        var inflater = new java.util.zip.Inflater(true);
        var text = new StringBuilder();
        byte[] in = new byte[8192], out = new byte[65536];
        while (!text.toString().contains(marker)) {
            int n = raw.read(in);
            if (n < 0) throw new java.io.EOFException(text.toString());
            inflater.setInput(in, 0, n);
            for (int k; (k = inflater.inflate(out)) > 0; ) text.append(new String(out, 0, k, StandardCharsets.US_ASCII));
        }
        return text.toString();
    }

    private static String rawLine(java.io.InputStream in) throws java.io.IOException {
        var line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new java.io.EOFException();
            if (c != '\r') line.append((char) c);
        }
        return line.toString();
    }

    @Test
    void sortAndThread() throws Exception {
        deliver("From: dave@example.test\r\nSubject: Re: First message\r\nDate: Wed, 4 Nov 2026 09:00:00 +0000\r\n"
                + "Message-ID: <reply@example.test>\r\nIn-Reply-To: <first@example.test>\r\n\r\nreply\r\n");
        deliver("From: Aaron <aaron@example.test>\r\nSubject: [list] Fwd: Second, with parts (fwd)\r\nDate: Sun, 1 Nov 2026 08:00:00 +0000\r\n"
                + "Message-ID: <fwd@example.test>\r\n\r\nforwarded\r\n");
        deliver("From: eve@example.test\r\nSubject: Re: Re: First message\r\nDate: Thu, 5 Nov 2026 09:00:00 +0000\r\n"
                + "Message-ID: <reply2@example.test>\r\nReferences: <first@example.test> <reply@example.test>\r\n\r\nreply to reply\r\n");
        try (var t = login()) {
            t.send("s SELECT INBOX");
            while (!t.readLine().startsWith("s OK")) { /* SELECT data */ }
            t.play("""
                    C: a SORT (DATE) UTF-8 ALL
                    S: * SORT 4 1 2 3 5
                    S: a OK
                    C: b SORT (REVERSE SIZE) UTF-8 ALL
                    S: * SORT 2 1
                    S: b OK
                    C: c SORT (FROM SUBJECT) UTF-8 NOT FROM eve
                    S: * SORT 4 1 2 3
                    S: c OK
                    C: d UID SORT (SUBJECT REVERSE DATE) US-ASCII ALL
                    S: * SORT 5 3 1 2 4
                    S: d OK
                    C: e THREAD REFERENCES UTF-8 ALL
                    S: * THREAD (4)(1 3 5)(2)
                    S: e OK
                    C: f THREAD ORDEREDSUBJECT UTF-8 ALL
                    S: * THREAD (4 2)(1 (3)(5))
                    S: f OK
                    C: g SORT (DATE) KOI8-R ALL
                    S: g NO [BADCHARSET
                    C: h THREAD WHATEVER UTF-8 ALL
                    S: h BAD
                    """);
        }
    }

    @Test
    void baseSubjects() {
        assertThat(SortCommand.baseSubject("Re: Fwd: [list] Hello  world (fwd)")).isEqualTo("HELLO WORLD");
        assertThat(SortCommand.baseSubject("[fwd: Re: hi]")).isEqualTo("HI");
        assertThat(SortCommand.baseSubject("RE:[x] re[2]: topic")).isEqualTo("TOPIC");
        assertThat(SortCommand.baseSubject("[just a bracket]")).isEqualTo("[JUST A BRACKET]");
    }

    @Test
    void searchResultsCanBeSavedAndReused() throws Exception {
        try (var t = login()) {
            t.send("s SELECT INBOX");
            while (!t.readLine().startsWith("s OK")) { /* SELECT data */ }
            t.play("""
                    C: a SEARCH RETURN (SAVE) FROM carol
                    S: a OK
                    C: b FETCH $ (UID)
                    S: * 2 FETCH (UID 2)
                    S: b OK
                    C: c UID SEARCH RETURN (SAVE MIN) ALL
                    S: * ESEARCH (TAG "c") UID MIN 1
                    S: c OK
                    C: d SEARCH $
                    S: * SEARCH 1
                    S: d OK
                    C: e UID STORE $ +FLAGS.SILENT (\\Flagged)
                    S: e OK
                    C: f SEARCH FLAGGED
                    S: * SEARCH 1
                    S: f OK
                    """);
        }
    }

    @Test
    void objectIds() throws Exception {
        Mailbox inbox = mailbox("INBOX");
        String mailboxId = "F" + inbox.uidValidity() + "-" + inbox.id();
        String emailId = "M" + messages("INBOX").get(0).blobId().substring(0, 24);
        try (var t = login()) {
            t.send("s SELECT INBOX");
            String line;
            boolean sawId = false;
            while (!(line = t.readLine()).startsWith("s OK")) sawId |= line.equals("* OK [MAILBOXID (" + mailboxId + ")] Ok");
            assertThat(sawId).isTrue();
            t.play("""
                    C: a FETCH 1 (EMAILID THREADID)
                    S: * 1 FETCH (EMAILID (%1$s) THREADID NIL)
                    S: a OK
                    C: b UID COPY 1 Archive
                    S: b OK
                    C: c STATUS INBOX (MAILBOXID MESSAGES)
                    S: * STATUS "INBOX" (MAILBOXID (%2$s) MESSAGES 2)
                    S: c OK
                    C: d SEARCH EMAILID %1$s
                    S: * SEARCH 1
                    S: d OK
                    C: e CREATE Fresh
                    S: e OK [MAILBOXID (F
                    """.formatted(emailId, mailboxId));
        }
    }

    /** RFC 3516 APPEND: a binary part is stored base64-encoded and BINARY[] gives the bytes back. */
    @Test
    void binaryAppendIsStoredMailSafe() throws Exception {
        byte[] payload = {0, 1, 2, (byte) 0xff, '\r', '\n', 'x'};
        byte[] head = "Subject: binary\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] message = new byte[head.length + payload.length];
        System.arraycopy(head, 0, message, 0, head.length);
        System.arraycopy(payload, 0, message, head.length, payload.length);
        try (var t = login()) {
            t.send("a APPEND INBOX ~{" + message.length + "+}");
            t.sendRaw(message);
            t.send("").expect("a OK [APPENDUID");
        }
        String stored = new String(storage.blobs().read(messages("INBOX").get(2).blobId()), StandardCharsets.US_ASCII);
        assertThat(stored).contains("Content-Transfer-Encoding: base64\r\n\r\nAAEC/w0KeA==");
        try (var socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            var in = socket.getInputStream();
            socket.getOutputStream().write(("a LOGIN alice " + PASSWORD + "\r\nb SELECT INBOX\r\nc FETCH 3 BINARY.PEEK[1]\r\n").getBytes(StandardCharsets.US_ASCII));
            var all = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!all.toString(StandardCharsets.ISO_8859_1).contains("c OK")) {
                int n = in.read(buf);
                if (n < 0) break;
                all.write(buf, 0, n);
            }
            String text = all.toString(StandardCharsets.ISO_8859_1);
            assertThat(text).contains("BINARY[1] ~{7}\r\n" + new String(payload, StandardCharsets.ISO_8859_1) + ")");
        }
    }
}
