package mailroom.transfer.maildir;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Maildir++ naming and Dovecot's side files, from the text Dovecot writes. */
class MaildirTest {
    @TempDir
    Path root;

    @Test
    void folderNamesMapBothWaysWithModifiedUtf7Levels() {
        assertThat(Maildir.folderName(root, root)).isEqualTo("INBOX");
        assertThat(Maildir.folderName(root, root.resolve(".Lists.foo"))).isEqualTo("Lists/foo");
        assertThat(Maildir.folderName(root, root.resolve(".&ANwAbgDv-code"))).isEqualTo("\u00dcn\u00efcode");
        assertThat(Maildir.folderDir(root, "Lists/foo")).isEqualTo(root.resolve(".Lists.foo"));
        assertThat(Maildir.folderDir(root, "\u00dcn\u00efcode")).isEqualTo(root.resolve(".&ANw-n&AO8-code"));
        assertThat(Maildir.folderDir(root, "INBOX")).isEqualTo(root);
    }

    @Test
    void flagsComeFromTheInfoPartAndKeywordsFromTheirLetters() {
        List<String> keywords = List.of("$Label1", "Junk");
        assertThat(Maildir.flags("1733000000.M1P2.host,S=10,W=12:2,FRSab", keywords))
                .containsExactlyInAnyOrder("\\Flagged", "\\Answered", "\\Seen", "$Label1", "Junk");
        assertThat(Maildir.flags("1733000000.M1P2.host:2,DTc", keywords)).as("an unknown letter is dropped").containsExactlyInAnyOrder("\\Draft", "\\Deleted");
        assertThat(Maildir.flags("1733000000.M1P2.host", keywords)).isEmpty();
        assertThat(Maildir.baseName("1733000000.M1P2.host,S=10:2,S")).isEqualTo("1733000000.M1P2.host,S=10");
    }

    @Test
    void dovecotsUidListKeywordsAndSubscriptionsAreRead() throws Exception {
        Files.writeString(root.resolve("dovecot-uidlist"), """
                3 V1796166288 N4 Gc8544d0692520f6bc62b000083ecc375
                1 :1796166290.M110958P11206.vm,S=18,W=21
                3 G3a1b W200 :1796166291.M1P1.vm,S=180
                """);
        Files.writeString(root.resolve("dovecot-keywords"), "0 $Label1\n1 Junk\n");
        Files.writeString(root.resolve("subscriptions"), "V\t2\n\nLists\tfoo\nINBOX\n");
        var list = Maildir.uidList(root);
        assertThat(list.uidValidity()).isEqualTo(1796166288L);
        assertThat(list.uids()).containsEntry("1796166290.M110958P11206.vm,S=18,W=21", 1L).containsEntry("1796166291.M1P1.vm,S=180", 3L);
        assertThat(Maildir.keywords(root)).containsExactly("$Label1", "Junk");
        assertThat(Maildir.subscriptions(root)).containsExactly("Lists/foo", "INBOX");

        Files.writeString(root.resolve("dovecot-uidlist"), "1 1234 7\n5 1733000000.M1P2.host\n");
        assertThat(Maildir.uidList(root).uidValidity()).as("version 1").isEqualTo(1234);
        assertThat(Maildir.uidList(root).uids()).containsEntry("1733000000.M1P2.host", 5L);
        Files.writeString(root.resolve("subscriptions"), "INBOX.Sent\nLists.foo\n");
        assertThat(Maildir.subscriptions(root)).as("Courier's form").containsExactly("Sent", "Lists/foo");
    }

    @Test
    void theInternalDateIsTheMtimeOrWhenThatWasLostTheFileNamesTime() {
        var mtime = java.time.Instant.parse("2021-03-04T05:06:07Z");
        assertThat(MaildirSource.internalDate("1733000000.M1P2.host:2,S", mtime)).isEqualTo(mtime);
        assertThat(MaildirSource.internalDate("1733000000.M1P2.host:2,S", java.time.Instant.EPOCH)).isEqualTo(java.time.Instant.ofEpochSecond(1733000000L));
        assertThat(MaildirSource.internalDate("odd-name", java.time.Instant.EPOCH)).isEqualTo(java.time.Instant.EPOCH);
    }

    @Test
    void lineEndingsBecomeCrlfAsDovecotServesThem() {
        assertThat(new String(MaildirSource.crlf("a: b\nc\r\n\nd".getBytes()))).isEqualTo("a: b\r\nc\r\n\r\nd");
        byte[] already = "a: b\r\n".getBytes();
        assertThat(MaildirSource.crlf(already)).isSameAs(already);
        assertThat(MaildirSource.startsWithHeaderField("Return-Path: <a@b>\n".getBytes())).isTrue();
        assertThat(MaildirSource.startsWithHeaderField("just text\n".getBytes())).isFalse();
    }
}
