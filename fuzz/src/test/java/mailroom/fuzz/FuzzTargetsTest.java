package mailroom.fuzz;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs each fuzz target under Jazzer (libFuzzer, guided by the coverage of our parsers and the
 * libraries under them) in a JVM of its own for {@code fuzz.seconds} (4 in the test suite;
 * {@code scripts/fuzz} runs longer). A child JVM per target because libFuzzer runs one target per
 * process, and so that a target that runs out of memory or stack takes only itself down. Any
 * finding (an exception the parser does not document, a broken property, an input taking longer
 * than 10 s, memory beyond 2 GB) fails the test with the input and its stack trace; the corpus grows
 * in {@code fuzz/target/fuzz/corpus} and crashes land in {@code fuzz/target/fuzz/crashes}. With
 * {@code -Dfuzz.saveCorpus=true} (scripts/fuzz) the grown corpus is written back to
 * {@code src/test/resources/fuzz/corpus/NAME.zip}, to be committed.
 */
class FuzzTargetsTest {
    private static final Path OUT = Path.of("target", "fuzz");
    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");
    private static final List<String> summary = new ArrayList<>();

    @ParameterizedTest
    @ValueSource(strings = {
            "mailroom.fuzz.SmtpFuzz", "mailroom.fuzz.Pop3Fuzz", "mailroom.fuzz.ImapFuzz",
            "mailroom.sieve.manage.ManageSieveFuzz", "mailroom.fuzz.SieveFuzz", "mailroom.directory.DnsFuzz",
            "mailroom.fuzz.ConfigFuzz", "mailroom.fuzz.MimeFuzz"})
    void fuzz(String target) throws Exception {
        String name = target.substring(target.lastIndexOf('.') + 1).replace("Fuzz", "").toLowerCase();
        String only = System.getProperty("fuzz.targets", "");
        Assumptions.assumeTrue(only.isBlank() || Arrays.asList(only.split(",")).contains(name), "not among fuzz.targets");
        int seconds = Integer.parseInt(System.getProperty("fuzz.seconds", "4").isBlank() ? "4" : System.getProperty("fuzz.seconds"));

        Path corpus = Files.createDirectories(OUT.resolve("corpus").resolve(name));
        // What earlier long runs learned (committed as one zip per target): replayed first, so a
        // few seconds here start from that coverage and re-check every input in it
        Path saved = Path.of("src", "test", "resources", "fuzz", "corpus", name + ".zip");
        if (Files.isRegularFile(saved)) unzip(saved, corpus);
        Path crashes = Files.createDirectories(OUT.resolve("crashes"));
        Path seeds = Path.of("src", "test", "resources", "fuzz", name);
        Path dict = Path.of("src", "test", "resources", "fuzz", name + ".dict");
        Path log = OUT.resolve(name + ".log");

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + target,
                // coverage of our code and of the libraries that parse for it
                "--instrumentation_includes=mailroom.**:org.xbill.DNS.**:org.apache.james.mime4j.**:com.fasterxml.jackson.dataformat.toml.**",
                // Sieve's :regex runs the account's own patterns on the account's own mail: that a
                // pattern comes from the script is the feature, not an injection
                "--disabled_hooks=com.code_intelligence.jazzer.sanitizers.RegexInjection",
                // Jazzer's method hooks (string comparisons fed back to the fuzzer, and its
                // injection detectors) cost about ten seconds of start-up: worth it in a long run,
                // not in the suite's few seconds, where the dictionaries stand in for them
                "--hooks=" + (seconds >= 60),
                "--reproducer_path=" + crashes,
                "-artifact_prefix=" + crashes + "/" + name + "-",
                "-max_total_time=" + seconds,
                "-timeout=10",
                "-rss_limit_mb=2048",
                "-max_len=8192",
                "-seed=" + (1 + Math.floorMod(System.nanoTime(), 1_000_000))));
        command.removeIf(String::isEmpty);
        if (Files.isRegularFile(dict)) command.add("-dict=" + dict);
        command.add(corpus.toString()); // the first directory is where libFuzzer keeps what it learns
        if (Files.isDirectory(seeds)) command.add(seeds.toString());

        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            boolean ended = p.waitFor(seconds + 120L, TimeUnit.SECONDS);
            assertThat(ended).as("jazzer on %s ended (log %s)", name, log.toAbsolutePath()).isTrue();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.ISO_8859_1);
        Matcher done = DONE.matcher(output);
        String runs = done.find() ? done.group(1) : "?";
        summary.add(String.format("%-12s %12s runs in %4d s, exit %d", name, runs, seconds, p.exitValue()));
        if (Boolean.getBoolean("fuzz.saveCorpus")) zip(corpus, saved);
        assertThat(p.exitValue()).as("jazzer on %s found something:%n%s", name, tail(output, 6000)).isZero();
        assertThat(runs).as("jazzer on %s ran inputs:%n%s", name, tail(output, 3000)).isNotEqualTo("?");
    }

    @AfterAll
    static void writeSummary() throws IOException {
        Files.createDirectories(OUT);
        Files.write(OUT.resolve("summary.txt"), summary, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        summary.forEach(System.out::println);
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path file = into.resolve(Path.of(entry.getName()).getFileName().toString());
                if (!Files.exists(file)) Files.write(file, in.readAllBytes());
            }
        }
    }

    /** The corpus back into the zip, entries sorted so that an unchanged corpus gives the same file. */
    private static void zip(Path corpus, Path zip) throws IOException {
        Files.createDirectories(zip.getParent());
        List<Path> files;
        try (var list = Files.list(corpus)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            for (Path f : files) {
                var entry = new java.util.zip.ZipEntry(f.getFileName().toString());
                entry.setTime(0);
                out.putNextEntry(entry);
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }
}
