package mailroom.storage.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import mailroom.storage.DatabaseMember;
import mailroom.storage.StorageException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The members of a replicated PostgreSQL as its manager, Patroni, sees them: asked of the REST API
 * that Patroni runs beside each member (on {@code patroniPort} of the member's address). Where no
 * Patroni answers (a single database, or Patroni itself down), each member listed in the JDBC URL
 * is asked directly whether it is in recovery. Switchovers go through Patroni, which moves the
 * primary safely (the standby catches up first); we never promote anything ourselves.
 */
public final class DatabaseCluster {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PostgresMembers members;
    private final String user, password;
    private final int patroniPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    DatabaseCluster(PostgresMembers members, String user, String password, int patroniPort) {
        this.members = members;
        this.user = user;
        this.password = password;
        this.patroniPort = patroniPort;
    }

    /** The members a URL lists, asked without opening the storage (which needs a primary). */
    public static DatabaseCluster of(String url, String user, String password, int patroniPort) {
        return new DatabaseCluster(PostgresMembers.of(url), user, password, patroniPort);
    }

    /** Every member, primary first; members the URL lists that nobody reports are unreachable. */
    public List<DatabaseMember> members() {
        List<DatabaseMember> found = patroniPort > 0 ? fromPatroni() : List.of();
        if (found.isEmpty()) found = probed();
        Map<String, DatabaseMember> byAddress = new LinkedHashMap<>();
        found.stream().filter(DatabaseMember::primary).forEach(m -> byAddress.put(m.address(), m));
        found.forEach(m -> byAddress.putIfAbsent(m.address(), m));
        for (String host : members.hosts()) byAddress.putIfAbsent(host, new DatabaseMember(host, host, DatabaseMember.UNREACHABLE, "no answer", -1));
        return List.copyOf(byAddress.values());
    }

    private List<DatabaseMember> fromPatroni() {
        for (String host : members.hosts()) {
            try {
                JsonNode cluster = JSON.readTree(get(restUrl(host, "/cluster")));
                List<DatabaseMember> out = new ArrayList<>();
                for (JsonNode m : cluster.path("members")) {
                    String role = m.path("role").asText();
                    boolean primary = role.equals("leader") || role.equals("master") || role.equals("primary");
                    String state = m.path("state").asText() + (role.equals("sync_standby") ? ", synchronous" : "");
                    String address = m.path("host").asText() + ":" + m.path("port").asInt(5432);
                    long lag = primary ? 0 : m.path("lag").isNumber() ? m.path("lag").asLong() : -1;
                    boolean up = state.startsWith("running") || state.startsWith("streaming");
                    out.add(new DatabaseMember(m.path("name").asText(), address,
                            !up ? DatabaseMember.UNREACHABLE : primary ? DatabaseMember.PRIMARY : DatabaseMember.STANDBY, state, lag));
                }
                if (!out.isEmpty()) return out;
            } catch (IOException e) {
                // try the next member's Patroni
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return List.of();
    }

    /** Without Patroni: each member asked directly; the primary's replication view gives the standbys' lag. */
    private List<DatabaseMember> probed() {
        List<DatabaseMember> out = new ArrayList<>();
        Map<String, Long> lagByClient = new LinkedHashMap<>();
        for (String host : members.hosts()) {
            var props = new Properties();
            props.setProperty("user", user);
            props.setProperty("password", password);
            props.setProperty("connectTimeout", String.valueOf(TIMEOUT.toSeconds()));
            props.setProperty("loginTimeout", String.valueOf(TIMEOUT.toSeconds()));
            try (var c = DriverManager.getConnection("jdbc:postgresql://" + host + "/" + members.database(), props);
                 var st = c.createStatement();
                 var rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                boolean standby = rs.getBoolean(1);
                if (!standby) {
                    try (var lag = st.executeQuery("SELECT host(client_addr), pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication")) {
                        while (lag.next()) lagByClient.put(lag.getString(1), lag.getLong(2));
                    }
                }
                out.add(new DatabaseMember(host, host, standby ? DatabaseMember.STANDBY : DatabaseMember.PRIMARY, standby ? "streaming" : "running", standby ? -1 : 0));
            } catch (SQLException e) {
                out.add(new DatabaseMember(host, host, DatabaseMember.UNREACHABLE, "no answer", -1));
            }
        }
        return out.stream().map(m -> m.role().equals(DatabaseMember.STANDBY)
                ? new DatabaseMember(m.name(), m.address(), m.role(), m.state(), lagByClient.getOrDefault(m.address().split(":")[0], -1L))
                : m).toList();
    }

    /**
     * Asks Patroni to move the primary to {@code candidate} (null: to the synchronous standby, the
     * one Patroni picks) and returns Patroni's answer. The new primary has every committed
     * transaction: in synchronous mode Patroni only switches to a standby that is in sync.
     */
    public String switchover(String candidate) {
        if (patroniPort <= 0) throw new StorageException("switchover needs Patroni (storage.patroni_port is 0)");
        var primary = fromPatroni().stream().filter(DatabaseMember::primary).findFirst()
                .orElseThrow(() -> new StorageException("no Patroni member reports a primary among " + members.describe()));
        Map<String, String> body = new LinkedHashMap<>();
        body.put("leader", primary.name());
        if (candidate != null) body.put("candidate", candidate);
        String host = primary.address();
        try {
            var request = HttpRequest.newBuilder(URI.create(restUrl(host, "/switchover"))).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
            var response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) throw new StorageException("Patroni refused the switchover: " + response.body().strip());
            return response.body().strip();
        } catch (IOException e) {
            throw new StorageException("Patroni at " + host + " did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted", e);
        }
    }

    private String restUrl(String hostAndPort, String path) {
        String host = hostAndPort.substring(0, hostAndPort.lastIndexOf(':'));
        return "http://" + host + ":" + patroniPort + path;
    }

    private String get(String url) throws IOException, InterruptedException {
        var response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IOException(url + " answered " + response.statusCode());
        return response.body();
    }
}
