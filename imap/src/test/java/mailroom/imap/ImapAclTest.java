package mailroom.imap;

import mailroom.core.testing.Transcript;
import mailroom.storage.Mailbox;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared mailboxes over IMAP (RFC 4314 ACL, RFC 2342 namespaces) as conversations: alice owns two
 * messages in INBOX; bob is another person; helpdesk is a role account nobody logs in to.
 */
class ImapAclTest extends ImapTestServer {

    Transcript loginAs(String user, String password) throws IOException {
        var t = connect();
        t.send("a LOGIN " + user + " " + password).expect("a OK [CAPABILITY ");
        return t;
    }

    /** Reads the untagged lines a session may get meanwhile, up to the one expected. */
    static void skipTo(Transcript t, String prefix) throws IOException {
        for (String line = t.readLine(); ; line = t.readLine()) {
            assertThat(line).as("server line").isNotNull();
            if (line.startsWith(prefix)) return;
            assertThat(line).as("an untagged line before " + prefix).startsWith("* ");
        }
    }

    @Test
    void theOwnerReadsAndChangesTheListAndBadRequestsChangeNothing() throws Exception {
        try (var t = login()) {
            t.play("""
                    C: a CAPABILITY
                    S: * CAPABILITY
                    S: a OK
                    C: b GETACL INBOX
                    S: * ACL "INBOX" alice@example.test lrswipkxteacd
                    S: b OK
                    C: c SETACL INBOX bob lrs
                    S: c OK
                    C: d SETACL INBOX bob +w
                    S: d OK
                    C: e SETACL INBOX -anyone s
                    S: e OK
                    C: f GETACL INBOX
                    S: * ACL "INBOX" alice@example.test lrswipkxteacd -anyone s bob@example.test lrsw
                    S: f OK
                    # a letter that is no right is BAD (RFC 4314 section 3.1); nobody unknown is named
                    C: g SETACL INBOX bob lrq
                    S: g BAD Unknown right
                    C: h SETACL INBOX nobody lr
                    S: h NO Unknown identifier: no account
                    C: i SETACL INBOX $nogroup lr
                    S: i NO Unknown identifier: no group
                    C: j SETACL INBOX alice lr
                    S: j NO [CANNOT] The owner
                    C: k LISTRIGHTS INBOX bob
                    S: * LISTRIGHTS "INBOX" bob "" l r s w i p k x t e a c d
                    S: k OK
                    C: l LISTRIGHTS INBOX alice
                    S: * LISTRIGHTS "INBOX" alice lrswipkxteacd
                    S: l OK
                    C: m MYRIGHTS INBOX
                    S: * MYRIGHTS "INBOX" lrswipkxteacd
                    S: m OK
                    C: n DELETEACL INBOX bob
                    S: n OK
                    C: o GETACL INBOX
                    S: * ACL "INBOX" alice@example.test lrswipkxteacd -anyone s
                    S: o OK
                    C: p GETACL Nowhere
                    S: p NO [NONEXISTENT]
                    C: q SETACL INBOX
                    S: q BAD
                    C: r NAMESPACE
                    S: * NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared/" "/"))
                    S: r OK
                    """);
        }
        var inbox = mailbox(Mailbox.INBOX);
        assertThat(storage.sharing().acl(alice, inbox.id())).containsOnlyKeys("-anyone");
    }

    @Test
    void aReaderSeesWhatIsSharedAndDoesOnlyWhatItsRightsAllow() throws Exception {
        var inbox = mailbox(Mailbox.INBOX);
        var projects = storage.mail().createMailbox(alice, "Projects", null);
        var hidden = storage.mail().createMailbox(alice, "Hidden", null);
        storage.sharing().setRights(alice, inbox.id(), "bob@example.test", new mailroom.storage.sharing.Rights("lrs"));
        storage.sharing().setRights(alice, projects.id(), "bob@example.test", new mailroom.storage.sharing.Rights("l"));
        try (var t = loginAs("bob", "bob-password")) {
            t.play("""
                    C: a LIST "" "Other Users/*"
                    S: * LIST (\\NonExistent \\HasChildren) "/" "Other Users/alice"
                    S: * LIST (\\HasNoChildren) "/" "Other Users/alice/INBOX"
                    S: * LIST (\\HasNoChildren) "/" "Other Users/alice/Projects"
                    S: a OK
                    C: b MYRIGHTS "Other Users/alice/INBOX"
                    S: * MYRIGHTS "Other Users/alice/INBOX" lrs
                    S: b OK
                    # "l" without "r": the name shows, the mailbox does not open
                    C: c SELECT "Other Users/alice/Projects"
                    S: c NO [NOPERM]
                    # no right at all: it does not exist as far as bob can tell
                    C: d SELECT "Other Users/alice/Hidden"
                    S: d NO [NONEXISTENT]
                    C: e GETACL "Other Users/alice/INBOX"
                    S: e NO [NOPERM]
                    C: f STATUS "Other Users/alice/INBOX" (MESSAGES UNSEEN)
                    S: * STATUS "Other Users/alice/INBOX" (MESSAGES 2 UNSEEN 2)
                    S: f OK
                    # "r" and "s" but no "w", "t" or "e": read-write for \\Seen only
                    C: g SELECT "Other Users/alice/INBOX"
                    S: * FLAGS
                    S: * OK [PERMANENTFLAGS (\\Seen)]
                    S: * 2 EXISTS
                    S: * 2 RECENT
                    S: * OK [UNSEEN 1]
                    S: * OK [UIDVALIDITY
                    S: * OK [UIDNEXT 3]
                    S: * OK [MAILBOXID
                    S: g OK [READ-WRITE]
                    C: h STORE 1 +FLAGS (\\Seen \\Flagged)
                    S: * 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))
                    S: h OK
                    # a search that reads each message's header: the structure is the owner's
                    C: h2 UID SEARCH HEADER Message-ID first@example.test
                    S: * SEARCH 1
                    S: h2 OK
                    C: i EXPUNGE
                    S: i NO [NOPERM]
                    C: j APPEND "Other Users/alice/INBOX" {3+}
                    C: abc
                    S: j NO [NOPERM]
                    C: k CREATE "Other Users/alice/INBOX/Sub"
                    S: k NO [NOPERM]
                    C: l DELETE "Other Users/alice/INBOX"
                    S: l NO [NOPERM]
                    C: m COPY 1 INBOX
                    S: m OK [COPYUID
                    C: n STATUS "Other Users/alice/INBOX" (UNSEEN)
                    S: * STATUS "Other Users/alice/INBOX" (UNSEEN 1)
                    S: n OK
                    """);
        }
        // bob's \\Seen is his own: alice's flags are as they were, and his copy is in his INBOX
        assertThat(messages(Mailbox.INBOX)).allSatisfy(m -> assertThat(m.flags()).isEmpty());
        long bob = accounts.find("bob").orElseThrow().id();
        assertThat(storage.mail().messages(bob, storage.mail().mailbox(bob, Mailbox.INBOX).orElseThrow().id())).hasSize(1);
        assertThat(storage.sharing().seenBy(alice, inbox.id(), bob)).containsExactly(1L);
        assertThat(hidden.name()).isEqualTo("Hidden");
        try (var t = login()) {
            t.play("""
                    C: a STATUS INBOX (UNSEEN)
                    S: * STATUS "INBOX" (UNSEEN 2)
                    S: a OK
                    """);
        }
    }

    @Test
    void aSharedMailboxIsSubscribedAndResynchronisedLikeAnOwnOne() throws Exception {
        var inbox = mailbox(Mailbox.INBOX);
        storage.sharing().setRights(alice, inbox.id(), "bob@example.test", new mailroom.storage.sharing.Rights("lrs"));
        long before = storage.mail().highestModseq(alice);
        try (var t = loginAs("bob", "bob-password")) {
            t.play("""
                    C: a SUBSCRIBE "Other Users/alice/INBOX"
                    S: a OK
                    C: b LSUB "" "Other Users/alice/*"
                    S: * LSUB () "/" "Other Users/alice/INBOX"
                    S: b OK
                    C: c LIST (SUBSCRIBED) "" "*"
                    S: * LIST (\\HasNoChildren \\Subscribed) "/" "Other Users/alice/INBOX"
                    S: c OK
                    C: d ENABLE CONDSTORE
                    S: * ENABLED CONDSTORE
                    S: d OK
                    C: e STATUS "Other Users/alice/INBOX" (HIGHESTMODSEQ)
                    S: * STATUS "Other Users/alice/INBOX" (HIGHESTMODSEQ %d)
                    S: e OK
                    C: f EXAMINE "Other Users/alice/INBOX"
                    """.formatted(before));
            skipTo(t, "f OK [READ-ONLY]");
            t.play("""
                    C: g SELECT "Other Users/alice/INBOX"
                    """);
            skipTo(t, "g OK [READ-WRITE]");
        }
        // bob marks a message seen (his own \\Seen): a CONDSTORE client of his sees a new MODSEQ for it
        storage.sharing().setSeenBy(alice, inbox.id(), accounts.find("bob").orElseThrow().id(), java.util.List.of(2L), true);
        try (var t = loginAs("bob", "bob-password")) {
            t.play("""
                    C: a SELECT "Other Users/alice/INBOX" (CONDSTORE)
                    """);
            skipTo(t, "a OK [READ-WRITE]");
            t.play("""
                    C: b FETCH 1:* (FLAGS) (CHANGEDSINCE %d)
                    S: * 2 FETCH (FLAGS (\\Seen) MODSEQ (%d))
                    S: b OK
                    """.formatted(before, before + 1));
        }
    }

    @Test
    void aRoleAccountsMailboxIsWorkedOnTogetherUnderShared() throws Exception {
        var desk = accounts.createWithHash("helpdesk", "");
        var deskInbox = storage.mail().mailbox(desk.id(), Mailbox.INBOX).orElseThrow();
        storage.sharing().createGroup("desk");
        storage.sharing().setMember("desk", alice, true);
        storage.sharing().setMember("desk", accounts.find("bob").orElseThrow().id(), true);
        storage.sharing().setRights(desk.id(), deskInbox.id(), "$desk", new mailroom.storage.sharing.Rights("lrswipkxte"));
        try (var bob = loginAs("bob", "bob-password"); var alice = login()) {
            bob.send("a APPEND \"Shared/helpdesk/INBOX\" (\\Seen) {32+}\r\nSubject: printer on fire\r\n\r\nhelp");
            bob.play("""
                    S: a OK [APPENDUID
                    C: b SELECT "Shared/helpdesk/INBOX"
                    S: * FLAGS
                    S: * OK [PERMANENTFLAGS
                    S: * 1 EXISTS
                    S: * 1 RECENT
                    S: * OK [UIDVALIDITY
                    S: * OK [UIDNEXT 2]
                    S: * OK [MAILBOXID
                    S: b OK [READ-WRITE]
                    C: c FETCH 1 FLAGS
                    S: * 1 FETCH (FLAGS (\\Seen \\Recent))
                    S: c OK
                    C: d IDLE
                    S: + idling
                    """);
            // bob's \Seen is his: for alice the message is unread
            alice.play("""
                    C: a EXAMINE "Shared/helpdesk/INBOX"
                    S: * FLAGS
                    S: * OK [PERMANENTFLAGS ()]
                    S: * 1 EXISTS
                    S: * 0 RECENT
                    S: * OK [UNSEEN 1]
                    S: * OK [UIDVALIDITY
                    S: * OK [UIDNEXT 2]
                    S: * OK [MAILBOXID
                    S: a OK [READ-ONLY]
                    """);
            alice.send("b APPEND \"Shared/helpdesk/INBOX\" {24+}\r\nSubject: second\r\n\r\nagain");
            skipTo(alice, "b OK [APPENDUID"); // alice has the mailbox open too, and hears of her message first
            alice.play("""
                    C: c DELETE "Shared/helpdesk/INBOX"
                    S: c NO [CANNOT]
                    C: d CREATE "Shared/helpdesk/INBOX/Old"
                    S: d OK
                    C: e CREATE "Shared/helpdesk/Top"
                    S: e NO [NOPERM]
                    C: f CREATE "Shared/nobody/x"
                    S: f NO [CANNOT]
                    """);
            // what alice filed shows at once in bob's IDLE
            bob.play("""
                    S: * 2 EXISTS
                    S: * 2 RECENT
                    C: DONE
                    S: d OK
                    """);
        }
        assertThat(storage.mail().mailbox(desk.id(), "INBOX/Old")).isPresent();
    }

    @Test
    void aSharedMailboxDeletedWhileSelectedEndsTheReadersSession() throws Exception {
        var projects = storage.mail().createMailbox(alice, "Projects", null);
        storage.sharing().setRights(alice, projects.id(), "bob@example.test", new mailroom.storage.sharing.Rights("lr"));
        try (var bob = loginAs("bob", "bob-password"); var alice = login()) {
            bob.play("""
                    C: a SELECT "Other Users/alice/Projects"
                    S: * FLAGS
                    S: * OK [PERMANENTFLAGS ()]
                    S: * 0 EXISTS
                    S: * 0 RECENT
                    S: * OK [UIDVALIDITY
                    S: * OK [UIDNEXT 1]
                    S: * OK [MAILBOXID
                    S: a OK [READ-ONLY]
                    # bob may not set his own "a" away, nor give himself more
                    C: b SETACL "Other Users/alice/Projects" bob lra
                    S: b NO [NOPERM]
                    """);
            alice.play("""
                    C: a SETACL Projects bob +a
                    S: a OK
                    """);
            bob.play("""
                    C: c SETACL "Other Users/alice/Projects" bob lr
                    S: c NO [CANNOT] You cannot take away your own right
                    C: d GETACL "Other Users/alice/Projects"
                    S: * ACL "Other Users/alice/Projects" alice@example.test lrswipkxteacd bob@example.test lra
                    S: d OK
                    """);
            alice.play("""
                    C: b DELETE Projects
                    S: b OK
                    """);
            bob.play("""
                    C: e NOOP
                    S: * BYE The selected mailbox was deleted
                    """);
            assertThat(bob.closedByServer()).isTrue();
        }
    }
}
