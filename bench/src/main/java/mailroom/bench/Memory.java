package mailroom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory a stack's processes use, as proportional set size (Linux smaps_rollup): pages shared
 * between Dovecot's many processes count once in total, so one JVM and many small processes
 * compare fairly.
 */
final class Memory {
    private Memory() {}

    static long pssKb(Compare.Stack stack, Path work) throws IOException {
        long root = switch (stack.script()) {
            case "mailroom" -> Long.parseLong(Files.readString(work.resolve("mailroom/pid")).strip());
            default -> Long.parseLong(Files.readString(work.resolve("dovecot/run/master.pid")).strip());
        };
        long total = 0;
        for (long pid : tree(root)) total += pss(pid);
        return total;
    }

    /** The process and all its descendants. */
    private static List<Long> tree(long root) throws IOException {
        Map<Long, List<Long>> children = new HashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    children.computeIfAbsent(Long.parseLong(fields[1]), k -> new ArrayList<>()).add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        }
        List<Long> out = new ArrayList<>(List.of(root));
        for (int i = 0; i < out.size(); i++) out.addAll(children.getOrDefault(out.get(i), List.of()));
        return out;
    }

    private static long pss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) return Long.parseLong(line.replaceAll("\\D", ""));
            }
        } catch (IOException e) {
            // gone
        }
        return 0;
    }
}
