package mailroom.pop3;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Pop3CodecTest {
    private static String write(String message, long bodyLines) throws IOException {
        var out = new ByteArrayOutputStream();
        Pop3Codec.writeMessage(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)), out, bodyLines);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void dotStuffsAndTerminates() throws IOException {
        assertThat(write("A: b\r\n\r\n.x\r\n..\r\ny.\r\n", -1)).isEqualTo("A: b\r\n\r\n..x\r\n...\r\ny.\r\n.\r\n");
        assertThat(write("A: b\r\n\r\nno break", -1)).isEqualTo("A: b\r\n\r\nno break\r\n.\r\n");
        assertThat(write("", -1)).isEqualTo(".\r\n");
    }

    @Test
    void aLastLineEndingInByteFfIsStillCompleted() throws IOException {
        // found by fuzzing: 0xFF read as a signed byte was taken for "nothing sent", so a message
        // ending in it without a line break had the terminating "." glued to its last line
        byte[] message = {'A', ':', ' ', 'b', '\r', '\n', '\r', '\n', 'x', (byte) 0xFF};
        var out = new ByteArrayOutputStream();
        Pop3Codec.writeMessage(new ByteArrayInputStream(message), out, -1);
        assertThat(out.toByteArray()).isEqualTo(new byte[] {'A', ':', ' ', 'b', '\r', '\n', '\r', '\n', 'x', (byte) 0xFF, '\r', '\n', '.', '\r', '\n'});
    }

    @Test
    void topSendsTheHeaderAndSomeBodyLines() throws IOException {
        String m = "A: b\r\nC: d\r\n\r\n1\r\n.2\r\n3\r\n";
        assertThat(write(m, 0)).isEqualTo("A: b\r\nC: d\r\n\r\n.\r\n");
        assertThat(write(m, 2)).isEqualTo("A: b\r\nC: d\r\n\r\n1\r\n..2\r\n.\r\n");
        assertThat(write(m, 10)).isEqualTo(m.replace(".2", "..2") + ".\r\n");
    }

    @Test
    void splitsCommands() {
        assertThat(Pop3Codec.parseCommand("top 1 5")).isEqualTo(new Pop3Codec.Command("TOP", "1 5"));
        assertThat(Pop3Codec.parseCommand("QUIT")).isEqualTo(new Pop3Codec.Command("QUIT", ""));
    }
}
