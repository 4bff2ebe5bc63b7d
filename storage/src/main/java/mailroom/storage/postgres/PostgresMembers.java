package mailroom.storage.postgres;

import java.util.ArrayList;
import java.util.List;

/**
 * The database members a JDBC URL lists ({@code jdbc:postgresql://A:5432,B:5432/mailroom?...}),
 * as the nodes know them before asking any: for error messages and status lines.
 */
record PostgresMembers(List<String> hosts, String database) {

    static PostgresMembers of(String url) {
        String rest = url.replaceFirst("^jdbc:postgresql:", "");
        if (!rest.startsWith("//")) return new PostgresMembers(List.of("localhost:5432"), rest.split("\\?")[0]);
        rest = rest.substring(2);
        int slash = rest.indexOf('/');
        String hostList = slash < 0 ? rest : rest.substring(0, slash);
        String database = slash < 0 ? "" : rest.substring(slash + 1).split("\\?")[0];
        List<String> hosts = new ArrayList<>();
        for (String host : hostList.split(",")) {
            if (host.isBlank()) continue;
            hosts.add(host.contains(":") && !host.endsWith("]") ? host : host + ":5432");
        }
        return new PostgresMembers(List.copyOf(hosts), database);
    }

    String describe() {
        return String.join(", ", hosts) + (database.isEmpty() ? "" : " (database " + database + ")");
    }
}
