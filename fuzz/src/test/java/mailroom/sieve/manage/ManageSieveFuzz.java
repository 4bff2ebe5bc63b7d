package mailroom.sieve.manage;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mailroom.core.net.Connection;
import mailroom.fuzz.MemorySocket;

import java.io.IOException;

/**
 * ManageSieve (RFC 5804 section 4): commands with quoted strings, numbers and literals read from
 * a connection, and SASL responses. In this package because the codec is the server's own. A
 * malformed command is a {@link ManageSieveException} (answered NO, the session goes on); an
 * IOException (line or literal too long, end of input) closes the connection; nothing else may
 * escape. Strings we write must read back the same.
 */
public final class ManageSieveFuzz {
    private ManageSieveFuzz() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) throws IOException {
        boolean sasl = data.consumeBoolean();
        long maxLiteral = data.consumeLong(0, 100_000);
        String text = data.consumeString(300);
        byte[] wire = data.consumeRemainingAsBytes();
        try (var c = new Connection(new MemorySocket(wire), "fuzz")) {
            for (int i = 0; i < 1000; i++) {
                try {
                    if (sasl) {
                        if (ManageSieveCodec.readResponse(c) == null) break;
                    } else {
                        var command = ManageSieveCodec.read(c, maxLiteral, 1 << 20);
                        if (command == null) break;
                        if (command.name().isEmpty()) throw new AssertionError("a command without a name");
                    }
                } catch (ManageSieveException expected) {
                    // answered NO; the next command is read
                } catch (IOException endsTheConnection) {
                    break;
                }
            }
        }

        // what the server writes as a string, a client (and our own reader) reads back as it was
        String written = ManageSieveCodec.string(text) + "\r\n";
        try (var c = new Connection(new MemorySocket(written.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "fuzz")) {
            String back = ManageSieveCodec.readResponse(c);
            if (isUtf8Clean(text) && !text.equals(back)) throw new AssertionError("string round trip: " + text + " -> " + back);
        } catch (ManageSieveException e) {
            if (isUtf8Clean(text)) throw new AssertionError("our own string is refused: " + written, e);
        }
        ManageSieveCodec.response("NO", "QUOTA", text);
    }

    private static boolean isUtf8Clean(String s) {
        var bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return s.equals(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }
}
