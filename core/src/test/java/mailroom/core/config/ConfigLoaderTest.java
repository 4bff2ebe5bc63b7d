package mailroom.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Config load(String toml) throws IOException {
        Path file = dir.resolve("mailroom.toml");
        Files.writeString(file, toml);
        return ConfigLoader.load(file);
    }

    private void assertRejected(String toml, String message) {
        assertThatThrownBy(() -> load(toml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void anEmptyStringWhereAListOrSectionBelongsIsOneLine() {
        // found by fuzzing: Jackson turned "" into null for a list, and validation met the null
        // with a NullPointerException instead of naming the key
        for (String[] c : new String[][] {
                {"[node]\nroles = \"\"\n", "node.roles"},
                {"[security]\nallowlist = \"\"\n", "security.allowlist"},
                {"[spam]\nactions = \"\"\n", "spam.actions"},
                {"[delivery]\nresolvers = \"\"\n", "delivery.resolvers"},
                {"node = \"\"\n", "node"},
                {"[imap]\nplaintext_auth = \"\"\n", "imap.plaintext_auth"}}) {
            assertThatThrownBy(() -> load(c[0])).describedAs(c[0]).isInstanceOf(ConfigException.class).hasMessageStartingWith(c[1] + ": ");
        }
        assertRejected("[node]\nroles = \"\"\n", "node.roles: an empty string where a list belongs");
        assertRejected("node = \"\"\n", "node: an empty string where a table belongs");
    }

    @Test
    void everyKeyHasADefault() throws IOException {
        Config c = load("");
        assertThat(c.smtp.port).isEqualTo(2025);
        assertThat(c.pop3.port).isEqualTo(2110);
        assertThat(c.pop3.tlsPort).isEqualTo(2995);
        assertThat(c.node.bind).isEqualTo("127.0.0.1");
        assertThat(c.mail.domain).isEqualTo("example.test");
        assertThat(c.hostname()).isEqualTo("mail.example.test");
        assertThat(c.storage.fsync).isTrue();
        assertThat(ConfigLoader.load(null).smtp.maxMessageSize).isEqualTo(25L << 20);
    }

    @Test
    void readsSnakeCaseKeysWithSizesAndDurations() throws IOException {
        Config c = load("""
                [node]
                hostname = "mx.example.org"
                data_dir = "/srv/mail"
                [mail]
                domain = "example.org"
                [smtp]
                port = 25
                max_message_size = "10MB"
                command_timeout = "90s"
                data_timeout = 600
                [pop3]
                plaintext_auth = "never"
                """);
        assertThat(c.hostname()).isEqualTo("mx.example.org");
        assertThat(c.node.dataDir).isEqualTo(Path.of("/srv/mail"));
        assertThat(c.smtp.port).isEqualTo(25);
        assertThat(c.smtp.maxMessageSize).isEqualTo(10L << 20);
        assertThat(c.smtp.commandTimeout).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.smtp.dataTimeout).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.pop3.plaintextAuth).isEqualTo(Config.PlaintextAuth.NEVER);
    }

    @Test
    void badConfigurationsGetOneLineNamingTheKey() {
        assertRejected("[smtp]\nprot = 25\n", "smtp.prot: unknown key");
        assertRejected("[smpt]\nport = 25\n", "smpt: unknown key");
        assertRejected("[smtp]\nport = \"twenty-five\"\n", "smtp.port: bad value \"twenty-five\": not a valid `int` value");
        assertRejected("[smtp]\nport = 70000\n", "smtp.port: port must be 1..65535, not 70000");
        assertRejected("[smtp]\ncommand_timeout = \"soon\"\n", "smtp.command_timeout: bad value \"soon\": expected a duration like \"30s\", \"5m\", \"4h\" or \"2d\"");
        assertRejected("[mail]\ndomain = \"not a domain\"\n", "mail.domain: not a domain name: \"not a domain\"");
        assertRejected("[storage]\nbackend = \"oracle\"\n", "storage.backend: unknown backend \"oracle\", known: sqlite, postgres");
        assertRejected("[storage]\nbackend = \"postgres\"\n", "storage.url: needs a jdbc:postgresql://host:port/database URL for the postgres backend");
        assertRejected("[node]\nroles = [\"store\", \"mailman\"]\n", "node.roles: unknown role(s) [mailman], known: " + java.util.Set.of("store", "sorter", "director", "admin"));
        assertRejected("[tls]\ncert_file = \"/etc/hostname\"\n", "tls.key_file: set both tls.cert_file and tls.key_file, or neither");
        assertRejected("[pop3]\nplaintext_auth = \"sometimes\"\n", "pop3.plaintext_auth: bad value \"sometimes\": expected never, loopback or always");
        assertRejected("[spam]\nrspamd_url = \"localhost:11333\"\n", "spam.rspamd_url: expected http://host:port, not \"localhost:11333\"");
        assertRejected("[spam]\nactions = [\"reject\", \"discard\"]\n", "spam.actions: unknown action \"discard\", known: reject, soft reject, greylist, add header, rewrite subject");
        assertRejected("[spam]\ndnsbl = [\"zen spamhaus\"]\n", "spam.dnsbl: not a domain name: \"zen spamhaus\"");
        assertThatThrownBy(() -> load("[smtp\nport = 1")).isInstanceOf(ConfigException.class).message().doesNotContain("\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.toml"))).hasMessageEndingWith("missing.toml: no such file");
    }

    @Test
    void securityKeysAreReadAndCheckedOneLineEach() throws IOException {
        Config c = load("[security]\nallowlist = [\"10.0.0.0/8\", \"2001:db8::/32\"]\nblock_after = 5\nblock_time = \"1h\"\n");
        assertThat(c.security.allowlist).containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThat(c.security.blockAfter).isEqualTo(5);
        assertThat(c.security.blockTime).isEqualTo(Duration.ofHours(1));
        assertThat(load("").security.allowlist).containsExactly("127.0.0.0/8", "::1/128");
        assertRejected("[security]\nallowlist = [\"10.0.0.0/8\", \"office.example.org\"]\n",
                "security.allowlist[1]: not an address or CIDR network: \"office.example.org\"");
        assertRejected("[security]\nblock_after = 0\n", "security.block_after: must be positive, not 0");
        assertRejected("[security]\nlogin_delay = \"20s\"\n", "security.login_delay_max: must not be shorter than security.login_delay");
        assertRejected("[security]\nmax_logins = 3\n", "security.max_logins: unknown key");
    }

    @Test
    void everyKindOfValueIsReadAsOperatorsWriteIt() throws IOException {
        Config c = load("""
                [node]
                data_dir = "/srv/mail"
                roles = ["store", "sorter"]
                [smtp]
                port = "2525"
                max_message_size = "512KB"
                command_timeout = 45
                check_authentication = "false"
                [imap]
                max_append_size = 1048576
                idle_timeout = "250ms"
                plaintext_auth = "ALWAYS"
                [storage]
                fsync = false
                """);
        assertThat(c.node.dataDir).isEqualTo(Path.of("/srv/mail"));
        assertThat(c.node.roles).containsExactly("store", "sorter");
        assertThat(c.smtp.port).isEqualTo(2525);
        assertThat(c.smtp.maxMessageSize).isEqualTo(512L << 10);
        assertThat(c.smtp.commandTimeout).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.smtp.checkAuthentication).isFalse();
        assertThat(c.imap.maxAppendSize).isEqualTo(1L << 20);
        assertThat(c.imap.idleTimeout).isEqualTo(Duration.ofMillis(250));
        assertThat(c.imap.plaintextAuth).isEqualTo(Config.PlaintextAuth.ALWAYS);
        assertThat(c.storage.fsync).isFalse();
        // an empty path is none: the certificate then is the self-signed one
        Config none = load("[tls]\ncert_file = \"\"\nkey_file = \"\"\n");
        assertThat(none.tls.certFile).isNull();
        assertThat(none.tls.keyFile).isNull();
        // what is not written keeps its default
        assertThat(c.pop3.port).isEqualTo(2110);
        assertThat(c.queue.retryMax).isEqualTo(new Config().queue.retryMax);
    }

    @Test
    void aValueOfTheWrongShapeIsOneLineNamingItsKey() {
        assertRejected("[smtp]\nport = 25.5\n", "smtp.port: bad value \"25.5\": not a valid `int` value");
        assertRejected("[smtp]\nport = 99999999999\n", "smtp.port: bad value \"99999999999\": not a valid `int` value");
        assertRejected("[smtp]\nmax_message_size = \"lots\"\n", "smtp.max_message_size: bad value \"lots\": expected a size like 1048576, \"512KB\" or \"25MB\"");
        assertRejected("[smtp]\nmax_message_size = \"99999999999GB\"\n", "smtp.max_message_size: bad value \"99999999999GB\": expected a size like 1048576, \"512KB\" or \"25MB\"");
        assertRejected("[smtp]\ndata_timeout = \"99999999999999999d\"\n", "smtp.data_timeout: bad value \"99999999999999999d\": expected a duration like \"30s\", \"5m\", \"4h\" or \"2d\"");
        assertRejected("[smtp]\nmax_message_size = 99999999999999999999\n", "smtp.max_message_size: bad value \"99999999999999999999\": out of range");
        assertRejected("[storage]\nfsync = \"yes\"\n", "storage.fsync: bad value \"yes\": expected true or false");
        assertRejected("[node]\nroles = \"store\"\n", "node.roles: wrong type of value (expected list)");
        assertRejected("[node]\nroles = [[\"store\"]]\n", "node.roles[0]: wrong type of value (expected string)");
        assertRejected("[node]\nname = [\"a\"]\n", "node.name: wrong type of value (expected string)");
        assertRejected("smtp = 25\n", "smtp: wrong type of value (expected smtp)");
        assertRejected("[[smtp]]\nport = 25\n", "smtp: wrong type of value (expected smtp)");
        assertRejected("[smtp.extra]\nport = 25\n", "smtp.extra: unknown key");
        assertRejected("[node]\ndataDir = \"/srv\"\n", "node.dataDir: unknown key");
        assertRejected("[node]\ndata_dir = \"\"\n", "node.data_dir: must not be empty");
    }
}
