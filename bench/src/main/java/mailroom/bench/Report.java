package mailroom.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** Writes docs/benchmarks.md and its charts from a finished comparison. */
final class Report {
    private Report() {}

    /** Re-renders docs/benchmarks.md and the charts from the results file of an earlier run. */
    public static void main(String[] args) throws Exception {
        Path docs = Path.of(args[0]);
        List<String> lines = Files.readAllLines(docs.resolve("benchmarks/results.tsv"));
        String[] header = lines.get(0).split("\t");
        var c = new Compare(Path.of("."), Path.of(args[1]), Integer.parseInt(header[1]), Integer.parseInt(header[2]), Compare.SECTIONS);
        Compare.Metric metric = null;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            if (metric == null || !metric.name.equals(f[0])) metric = c.metric(f[0], f[1], Boolean.parseBoolean(f[2]));
            for (int i = 4; i < f.length; i++) metric.values.computeIfAbsent(f[3], k -> new ArrayList<>()).add(Double.parseDouble(f[i]));
        }
        render(c, docs, header[3]);
    }

    static void write(Compare c, Path docs) throws Exception {
        Files.createDirectories(docs.resolve("benchmarks"));
        StringBuilder tsv = new StringBuilder("# bench/compare\t" + c.rounds + "\t" + c.idleConnections + "\t" + LocalDate.now() + "\n");
        for (var metric : c.metrics) {
            for (var e : metric.values.entrySet()) {
                tsv.append(metric.name).append('\t').append(metric.unit).append('\t').append(metric.higherIsBetter).append('\t').append(e.getKey());
                for (double v : e.getValue()) tsv.append('\t').append(v);
                tsv.append('\n');
            }
        }
        Files.writeString(docs.resolve("benchmarks/results.tsv"), tsv);
        render(c, docs, LocalDate.now().toString());
    }

    static void render(Compare c, Path docs, String date) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path charts = docs.resolve("benchmarks");
        String m = c.mailroom.name(), r = c.reference.name();

        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks: Mailroom and Postfix + Dovecot side by side\n\n")
                .append("Written by `bench/compare ").append(c.rounds).append(" ").append(c.idleConnections).append("` on ")
                .append(date).append(". Both stacks run on the same machine in the same run; every workload\n")
                .append("runs against both in alternation (Mailroom first in odd rounds, the reference first in even ones),\n")
                .append("and each figure is the median of ").append(c.rounds).append(" rounds.\n\n")
                .append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(memTotal())
                .append(", Linux ").append(read("/proc/sys/kernel/osrelease")).append(", Java ").append(System.getProperty("java.version")).append("\n")
                .append("- Mailroom: one node, every role, fsync on, `-Xmx1g`, SPF/DKIM/DMARC look-ups off (as Postfix without milters).\n")
                .append("- Reference: ").append(version(List.of("postconf", "-h", "-d", "mail_version"), "Postfix "))
                .append(" (SMTP, delivering by LMTP) and ").append(version(List.of("dovecot", "--version"), "Dovecot "))
                .append(" (IMAP, POP3, LMTP, Maildir) from Debian's packages, in Dovecot's high-performance mode: login\n")
                .append("  processes serve many connections (`service_count = 0`) and imap/pop3 processes are kept and reused\n")
                .append("  (`service_count = 0`, `process_min_avail`); see `bench/stacks/reference`.\n\n")
                .append("| workload | unit | better | ").append(m).append(" | ").append(r).append(" | ratio ").append(m).append(" / reference |\n")
                .append("|---|---|---|---:|---:|---:|\n");
        for (var metric : c.metrics) {
            double a = metric.median(m), b = metric.median(r);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.1f | **%.2f** |%n", metric.name, metric.unit,
                    metric.higherIsBetter ? "higher" : "lower", a, b, a / b));
        }
        md.append("\nFor \"lower is better\" rows a ratio under 1.0 is Mailroom ahead.\n\n")
                .append("![Mailroom's advantage per workload](benchmarks/advantage.png)\n\n")
                .append("![Throughput](benchmarks/throughput.png)\n\n")
                .append("![Latency, memory and start-up](benchmarks/costs.png)\n\n")
                .append("## Every round\n\n| workload | stack | values |\n|---|---|---|\n");
        for (var metric : c.metrics) {
            for (var e : metric.values.entrySet()) {
                md.append("| ").append(metric.name).append(" | ").append(e.getKey()).append(" | ")
                        .append(String.join(", ", e.getValue().stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList())).append(" |\n");
            }
        }
        md.append("""

                ## The workloads

                1. **SMTP intake**: Postfix's `smtp-source` sends 2,000 messages of 4 KB over 8 parallel sessions to one
                   local account; messages/s accepted, and messages/s until all of them are readable over POP3.
                2. **Delivery latency**: one IMAP client idles on INBOX; another sends a message every 50 ms over one
                   SMTP session (200 messages); the time from the final dot to the untagged EXISTS.
                3. **POP3 download**: one session RETRs every message of a 5,000-message mailbox (4 KB each).
                4. **IMAP mixed workload**: 16 clients on 16 accounts of 100 messages run sessions back to back for
                   20 s: LOGIN, SELECT, FETCH 1:* FLAGS, the last 10 ENVELOPEs, one BODY.PEEK[], STORE \\Seen,
                   APPEND (LITERAL+), SEARCH UNSEEN, UID STORE \\Deleted and UID EXPUNGE of the appended message,
                   LOGOUT; every command is one operation.
                5. **A 100,000-message mailbox**, filled by APPEND over 8 sessions: SELECT, then FETCH 1:* (FLAGS),
                   each timed in a fresh session.
                6. **IDLE connections**: logged in, INBOX selected, in IDLE; the growth of the stack's memory
                   (proportional set size of all its processes) divided by the number of connections.
                7. **Start-up**: from launching the stack to all of SMTP, IMAP and POP3 accepting connections, on
                   the empty store and again with 20,000 messages stored. Mailroom starts through its launcher
                   (`./mailroom serve`) with the ahead-of-time cache that `./mailroom aot-cache` made at set-up.
                   After each start with the messages stored: the first LOGIN of each of 100 accounts (16 at a
                   time), then imaptest for the first 20 s. For these rows both stacks store the passwords as
                   Argon2id with the same parameters (m=19456 KiB, t=2, p=1, Mailroom's); Mailroom verifies an
                   account's hash once per process, Dovecot 2.3 at every login, so the first-20-s window is
                   measured again with Dovecot reading plain passwords. Every other row gives Dovecot plain
                   passwords.
                9. **imaptest** (Dovecot's load generator, built outside the repository; `bench/compare` says how):
                   100 accounts, each session LOGIN, SELECT INBOX and a weighted random mix of LIST, STATUS,
                   FETCH, STORE, EXPUNGE, APPEND (from a 200-message mbox the harness writes) and LOGOUT, keeping
                   each mailbox near 30 messages and checking every answer; ops/s is every command completed,
                   over 20 s. Its default mix at 20 and at 100 clients, and a search-heavy mix (the default
                   plus SEARCH with random keys as often as SELECT), after 20 s unmeasured on each stack.
                8. **A directory of 100,000 accounts**: 16 clients LOGIN and LOGOUT as random accounts of the first
                   100 for 10 s, and 8 SMTP sessions send 1,000 messages each to a random account. This runs with
                   100 accounts, then again after 100,000 more are imported beside the running stack. All of
                   them share one Argon2id hash made by `doveadm pw -s ARGON2ID`, which both stacks verify.
                """);
        Path notes = c.repo.resolve("bench/compare-notes.md");
        if (Files.exists(notes)) md.append("\n").append(Files.readString(notes));
        Files.writeString(docs.resolve("benchmarks.md"), md.toString());

        List<String> names = new ArrayList<>();
        List<Double> advantage = new ArrayList<>();
        for (var metric : c.metrics) {
            double ratio = metric.median(m) / metric.median(r);
            names.add(shortName(metric.name));
            advantage.add(metric.higherIsBetter ? ratio : 1 / ratio);
        }
        CategoryChart adv = chart("Mailroom's advantage: times better than Postfix + Dovecot (log scale; above 1 is better)", "times");
        adv.getStyler().setYAxisLogarithmic(true);
        adv.getStyler().setYAxisMin(0.1);
        adv.addSeries("Mailroom vs Postfix+Dovecot", names, advantage);
        save(adv, charts.resolve("advantage"));

        // A partial run (one section) may have no row of a kind: its chart is left out rather than drawn empty.
        if (c.metrics.stream().anyMatch(metric -> metric.higherIsBetter)) {
            save(grouped(c, "Throughput (higher is better)", "per second", metric -> metric.higherIsBetter), charts.resolve("throughput"));
        }
        if (c.metrics.stream().anyMatch(metric -> !metric.higherIsBetter)) {
            save(grouped(c, "Latency (ms), memory per IDLE connection (KB), start-up (ms): lower is better", "", metric -> !metric.higherIsBetter),
                    charts.resolve("costs"));
        }
        System.out.println("wrote " + docs.resolve("benchmarks.md") + " and " + charts);
    }

    private static CategoryChart grouped(Compare c, String title, String unit, Predicate<Compare.Metric> which) {
        CategoryChart chart = chart(title, unit);
        for (var stack : List.of(c.mailroom, c.reference)) {
            List<String> names = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (var metric : c.metrics) {
                if (!which.test(metric)) continue;
                names.add(shortName(metric.name));
                values.add(metric.median(stack.name()));
            }
            chart.addSeries(stack.name(), names, values);
        }
        return chart;
    }

    private static CategoryChart chart(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(560).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLabelRotation(20);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("#,##0.##");
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    private static void save(CategoryChart chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String shortName(String name) {
        int comma = name.indexOf(" (");
        String s = comma > 0 ? name.substring(0, comma) : name;
        return s.replace("delivery latency end of DATA to IDLE EXISTS,", "latency").replace("SMTP intake until all readable in the INBOX", "SMTP to INBOX");
    }

    private static String memTotal() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024 / 1024 + " GiB";
        }
        return "?";
    }

    private static String read(String file) throws IOException {
        return Files.readString(Path.of(file)).strip();
    }

    private static String version(List<String> command, String prefix) {
        try {
            var p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            return prefix + out.split(" ")[0];
        } catch (Exception e) {
            return prefix + "?";
        }
    }
}
