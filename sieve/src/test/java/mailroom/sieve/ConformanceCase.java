package mailroom.sieve;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One script × message case of the Sieve conformance corpus, read from
 * {@code src/test/resources/conformance/NNN-short-name/}:
 * <ul>
 * <li>{@code script.sieve}: the account's active script;</li>
 * <li>{@code message.eml}: the delivered message, CRLF line endings;</li>
 * <li>{@code case.properties}: {@code from} (envelope sender, empty for the null sender {@code <>}),
 * {@code to} (final envelope recipient, the account), optional {@code original} (original envelope
 * recipient before any alias or subaddress was taken off; {@code to} when absent), optional
 * {@code mailboxes} (comma-separated folders that exist besides INBOX, for {@code mailboxexists}),
 * {@code note} (what the case checks), and optional {@code deviation} (where Pigeonhole departs
 * from the RFC in this case, and what the RFC asks instead);</li>
 * <li>optional {@code personal/NAME.sieve} and {@code global/NAME.sieve}: scripts for
 * {@code include :personal} and {@code include :global};</li>
 * <li>{@code expected.txt}: the outcome in {@link Action#describe() normal form}, one line per
 * action, as Pigeonhole decides it (empty for a discarded message).</li>
 * </ul>
 */
public record ConformanceCase(
        String name,
        String script,
        byte[] message,
        String from,
        String to,
        String original,
        List<String> mailboxes,
        Map<String, String> personal,
        Map<String, String> global,
        String note,
        String deviation,
        List<String> expected) {

    /** Where the corpus sits on the test classpath. */
    static final String RESOURCE = "conformance";

    public ConformanceCase {
        message = message.clone();
        mailboxes = List.copyOf(mailboxes);
        personal = Map.copyOf(personal);
        global = Map.copyOf(global);
        expected = List.copyOf(expected);
    }

    @Override
    public byte[] message() {
        return message.clone();
    }

    /** The null reverse-path {@code <>}, which bounces and other automatic mail carry. */
    public boolean nullSender() {
        return from.isEmpty();
    }

    @Override
    public String toString() {
        return name;
    }

    /** Every case of the corpus, sorted by directory name. */
    public static List<ConformanceCase> all() {
        Path root = corpusDirectory();
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).sorted().map(ConformanceCase::load).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The corpus directory as built into the test classes ({@code target/test-classes/conformance}). */
    static Path corpusDirectory() {
        URL url = ConformanceCase.class.getClassLoader().getResource(RESOURCE);
        if (url == null) throw new IllegalStateException("no " + RESOURCE + " directory on the test classpath");
        if (!"file".equals(url.getProtocol())) throw new IllegalStateException("the corpus must be a directory, not " + url);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads one case directory. */
    public static ConformanceCase load(Path dir) {
        try {
            Properties props = new Properties();
            try (Reader in = Files.newBufferedReader(dir.resolve("case.properties"), StandardCharsets.UTF_8)) {
                props.load(in);
            }
            String to = required(props, "to", dir);
            String from = props.getProperty("from", "").trim();
            if (from.equals("<>")) from = "";
            Path expected = dir.resolve("expected.txt");
            return new ConformanceCase(
                    dir.getFileName().toString(),
                    Files.readString(dir.resolve("script.sieve"), StandardCharsets.UTF_8),
                    Files.readAllBytes(dir.resolve("message.eml")),
                    from,
                    to,
                    props.getProperty("original", to).trim(),
                    list(props.getProperty("mailboxes", "")),
                    scripts(dir.resolve("personal")),
                    scripts(dir.resolve("global")),
                    props.getProperty("note", "").trim(),
                    props.getProperty("deviation", "").trim(),
                    Files.exists(expected) ? Files.readAllLines(expected, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList() : List.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read case " + dir, e);
        }
    }

    private static String required(Properties props, String key, Path dir) {
        String value = props.getProperty(key);
        if (value == null || value.isBlank()) throw new IllegalArgumentException(dir + "/case.properties has no " + key);
        return value.trim();
    }

    private static List<String> list(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The {@code NAME.sieve} files of an include directory, by script name (without {@code .sieve}). */
    private static Map<String, String> scripts(Path dir) throws IOException {
        Map<String, String> scripts = new TreeMap<>();
        if (!Files.isDirectory(dir)) return scripts;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(".sieve")) {
                    scripts.put(fileName.substring(0, fileName.length() - ".sieve".length()), Files.readString(file, StandardCharsets.UTF_8));
                }
            }
        }
        return scripts;
    }
}
