package mailroom.transfer.mbox;

import mailroom.transfer.Source;
import mailroom.transfer.SourceMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** mbox text in, messages out: separators, mboxrd unquoting, the blank line before "From ", flags. */
class MboxSourceTest {
    @TempDir
    Path dir;

    private final List<SourceMessage> messages = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private void read(String text, String name) throws Exception {
        Path file = Files.writeString(dir.resolve(name), text, StandardCharsets.ISO_8859_1);
        var source = new MboxSource(List.of(file), null);
        source.read(source.folders().getFirst(), Set.of(), new Source.Sink() {
            @Override
            public void message(SourceMessage m) {
                messages.add(m);
            }

            @Override
            public void skipped() {}

            @Override
            public void problem(String folder, String message, String reason) {
                problems.add(folder + " | " + message + " | " + reason);
            }
        });
    }

    private String text(int i) throws Exception {
        return new String(messages.get(i).bytes().read(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void messagesAreSplitUnquotedAndEndInCrlf() throws Exception {
        read("From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\n>From here\n>>From there\nFrom inside a paragraph is not a separator\n\n"
                + "From c@d Tue Jan  2 10:20:30 2024\nSubject: two\n\n\nlast\n", "Inbox");
        assertThat(messages).hasSize(2);
        assertThat(messages.getFirst().folder()).isEqualTo("INBOX");
        assertThat(text(0)).isEqualTo("Subject: one\r\n\r\nbody\r\nFrom here\r\n>From there\r\nFrom inside a paragraph is not a separator\r\n");
        assertThat(text(1)).isEqualTo("Subject: two\r\n\r\n\r\nlast\r\n");
        assertThat(messages.get(1).internalDate()).isEqualTo(Instant.parse("2024-01-02T10:20:30Z"));
        assertThat(problems).isEmpty();
    }

    @Test
    void flagsComeFromStatusXStatusAndThunderbirdsHeaders() {
        assertThat(MboxFlags.of("Status: RO\nX-Status: ADFT\n")).containsExactlyInAnyOrder("\\Seen", "\\Answered", "\\Deleted", "\\Flagged", "\\Draft");
        assertThat(MboxFlags.of("Status: O\n")).isEmpty();
        assertThat(MboxFlags.of("X-Mozilla-Status: 1005\nX-Mozilla-Keys: $label1 todo\n")).containsExactlyInAnyOrder("\\Seen", "\\Flagged", "$Forwarded", "$label1", "todo");
        assertThat(MboxFlags.of("X-Mozilla-Status: zz\n")).isEmpty();
    }

    @Test
    void aFileThatIsNotMboxAndACutMessageAreReported() throws Exception {
        read("Subject: no From line\n\nbody\n", "notes");
        assertThat(problems).singleElement().asString().contains("notes", "not an mbox file");
        problems.clear();
        read("From a@b Mon Jan  1 00:00:00 2024\nSubject: whole\n\nok\n\nFrom a@b Mon Jan  1 00:00:01 2024\nSubject: cut", "cut");
        assertThat(messages).hasSize(1);
        assertThat(problems).singleElement().asString().contains("cut message 2", "truncated");
    }
}
