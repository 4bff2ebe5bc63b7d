package mailroom.core.mail;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class MailboxNamesTest {
    @Test
    void listWildcards() {
        assertThat(MailboxNames.matches("*", "a/b/c")).isTrue();
        assertThat(MailboxNames.matches("%", "a/b")).isFalse();
        assertThat(MailboxNames.matches("%", "Archive")).isTrue();
        assertThat(MailboxNames.matches("a/%", "a/b")).isTrue();
        assertThat(MailboxNames.matches("a/%", "a/b/c")).isFalse();
        assertThat(MailboxNames.matches("%/%", "a/b")).isTrue();
        assertThat(MailboxNames.matches("a*c", "a/b/c")).isTrue();
        assertThat(MailboxNames.matches("a%c", "a/c")).isFalse();
        assertThat(MailboxNames.matches("", "")).isTrue();
        assertThat(MailboxNames.matches("", "a")).isFalse();
        assertThat(MailboxNames.matches("INBOX", "INBOX")).isTrue();
        assertThat(MailboxNames.matches("INBOX", "INBOX/x")).isFalse();
        assertThat(MailboxNames.matches("**%%", "")).isTrue();
    }

    @Test
    void aPatternOfManyWildcardsTakesNoTime() {
        // found by fuzzing: backtracking took exponential time on "*a*a*a...b" against "aaaa...",
        // a pattern any logged-in client may send in LIST
        String pattern = "*a".repeat(40) + "b";
        String name = "a".repeat(200);
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThat(MailboxNames.matches(pattern, name)).isFalse());
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThat(MailboxNames.matches("%a".repeat(40) + "%", name)).isTrue());
    }
}
