package mailroom.transfer.imap;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client against a scripted server on loopback: each client line gets the lines the script
 * gives for its command, with the client's tag put in place of "TAG".
 */
class ImapClientTest {

    /** Serves one connection: the greeting, then for each command the scripted reply. */
    private static ServerSocket script(String greeting, Map<String, String> replies) throws Exception {
        var listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.6.4"));
        Thread.ofVirtual().start(() -> {
            try (listener; var s = listener.accept()) {
                s.setSoTimeout(10_000);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                OutputStream out = s.getOutputStream();
                out.write(greeting.getBytes(StandardCharsets.ISO_8859_1));
                for (String line; (line = in.readLine()) != null; ) {
                    String tag = line.substring(0, line.indexOf(' '));
                    String command = line.substring(tag.length() + 1);
                    String reply = replies.entrySet().stream().filter(e -> command.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst()
                            .orElse("TAG BAD unknown\r\n");
                    out.write(reply.replace("TAG", tag).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (Exception e) {
                // the client went away
            }
        });
        return listener;
    }

    @Test
    void fetchResponsesWithLiteralsQuotedStringsAndListsAreReadWhole() throws Exception {
        byte[] body = "Subject: x\r\n\r\n) ( \" {5}\r\n".getBytes(StandardCharsets.ISO_8859_1);
        var server = script("* OK [CAPABILITY IMAP4rev1] ready\r\n", Map.of(
                "CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nTAG OK done\r\n",
                "LOGIN", "TAG OK [CAPABILITY IMAP4rev1] logged in\r\n",
                "LIST", "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\Noselect) \"/\" {4}\r\nWork\r\n* LIST () \"/\" \"Odd \\\"name\\\"\"\r\nTAG OK\r\n",
                "UID FETCH", "* 1 FETCH (UID 7 FLAGS (\\Seen $Label1) INTERNALDATE \" 2-Jan-2024 10:00:00 +0100\" BODY[] {" + body.length + "}\r\n"
                        + new String(body, StandardCharsets.ISO_8859_1) + ")\r\n* 3 EXISTS\r\nTAG OK fetched\r\n"));
        try (var client = new ImapClient("127.0.6.4", server.getLocalPort(), ImapClient.Security.STARTTLS_IF_OFFERED, false)) {
            client.login("alice", "pass word");
            var list = client.command("LIST \"\" \"*\"", null);
            assertThat(list).hasSize(3);
            assertThat(ImapSource.asString(list.get(1).values().get(3))).isEqualTo("Work");
            assertThat(list.get(2).values().get(3)).isEqualTo("Odd \"name\"");
            List<List<Object>> fetched = new ArrayList<>();
            var untagged = client.command("UID FETCH 7 (UID FLAGS INTERNALDATE BODY.PEEK[])", (seq, attrs) -> fetched.add(attrs));
            assertThat(fetched).singleElement().satisfies(a -> {
                assertThat(a.get(1)).isEqualTo("7");
                assertThat(a.get(3)).isEqualTo(List.of("\\Seen", "$Label1"));
                assertThat(a.get(5)).isEqualTo(" 2-Jan-2024 10:00:00 +0100");
                assertThat(a.get(6)).isEqualTo("BODY[]");
                assertThat((byte[]) a.get(7)).isEqualTo(body);
            });
            assertThat(untagged).singleElement().satisfies(u -> assertThat(u.values()).containsExactly("3", "EXISTS"));
        }
    }

    @Test
    void aRefusedLoginIsLoginRefusedAndOtherRefusalsAreCommandFailed() throws Exception {
        var server = script("* OK ready\r\n", Map.of(
                "CAPABILITY", "* CAPABILITY IMAP4rev1\r\nTAG OK\r\n",
                "LOGIN", "TAG NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"));
        try (var client = new ImapClient("127.0.6.4", server.getLocalPort(), ImapClient.Security.STARTTLS_IF_OFFERED, false)) {
            assertThatThrownBy(() -> client.login("alice", "wrong")).isInstanceOf(ImapClient.LoginRefused.class)
                    .hasMessageContaining("refused the login of alice").hasMessageContaining("AUTHENTICATIONFAILED");
        }
        var bye = script("* BYE too busy\r\n", Map.of());
        assertThatThrownBy(() -> new ImapClient("127.0.6.4", bye.getLocalPort(), ImapClient.Security.STARTTLS_IF_OFFERED, false))
                .hasMessageContaining("refused the connection: too busy");
    }

    @Test
    void aConnectionThatEndsInsideALiteralSaysSo() throws Exception {
        var server = script("* OK ready\r\n", Map.of(
                "CAPABILITY", "* CAPABILITY IMAP4rev1\r\nTAG OK\r\n",
                "UID FETCH", "* 1 FETCH (UID 1 BODY[] {100}\r\nonly a few bytes"));
        try (var client = new ImapClient("127.0.6.4", server.getLocalPort(), ImapClient.Security.STARTTLS_IF_OFFERED, false)) {
            server.close(); // the script's connection stays until it has written; then the accept socket goes
            assertThatThrownBy(() -> client.command("UID FETCH 1 (UID BODY.PEEK[])", (s, a) -> {}))
                    .isInstanceOf(java.io.IOException.class);
        }
    }
}
