package mailroom.core.mail;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EmailAddressTest {
    @Test
    void parsesDotStringsAndQuotedLocalParts() {
        assertThat(EmailAddress.parse("Alice.Smith@Example.TEST", false)).contains(new EmailAddress("Alice.Smith", "example.test"));
        assertThat(EmailAddress.parse("\"john doe\"@example.test", false)).contains(new EmailAddress("john doe", "example.test"));
        assertThat(EmailAddress.parse("\"a\\\"b\"@example.test", false)).contains(new EmailAddress("a\"b", "example.test"));
        assertThat(EmailAddress.parse("user@[127.0.0.1]", false)).isPresent();
        assertThat(new EmailAddress("john doe", "example.test").toString()).isEqualTo("\"john doe\"@example.test");
    }

    @Test
    void refusesMalformedAddresses() {
        for (String bad : new String[]{"", "@example.test", "user@", "user", "a..b@example.test", ".a@example.test",
                "a b@example.test", "user@-bad.test", "user@exa mple.test", "\"unterminated@example.test"}) {
            assertThat(EmailAddress.parse(bad, false)).as(bad).isEmpty();
        }
    }

    @Test
    void utf8OnlyWhenAllowed() {
        assertThat(EmailAddress.parse("jörg@example.test", false)).isEmpty();
        assertThat(EmailAddress.parse("jörg@bücher.test", true)).contains(new EmailAddress("jörg", "bücher.test"));
    }
}
