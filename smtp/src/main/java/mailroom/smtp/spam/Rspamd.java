package mailroom.smtp.spam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A client of rspamd's scanning API: {@code POST /checkv2} on the normal worker, the message as the
 * body and its envelope as HTTP headers (rspamd's protocol: From, Rcpt, IP, Helo, Queue-Id, ...),
 * answered with JSON holding the action, the score and the symbols that made it.
 */
final class Rspamd implements AutoCloseable {
    /** The envelope and connection, as rspamd's request headers carry them. */
    record Request(String queueId, String clientIp, String helo, String mailFrom, java.util.List<String> recipients, String mtaName) {}

    /** rspamd's answer: the action, the score against the reject threshold, and each symbol's score, highest first. */
    record Result(Action action, double score, double requiredScore, Map<String, Double> symbols) {}

    /** rspamd answered something other than a verdict (an error status, or JSON we cannot read). */
    static final class Failure extends IOException {
        Failure(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI checkv2;
    private final Duration timeout;
    private final HttpClient http;

    Rspamd(String baseUrl, Duration timeout) {
        this.checkv2 = URI.create(baseUrl.replaceAll("/+$", "") + "/checkv2");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    URI uri() {
        return checkv2;
    }

    /** Scans {@code length} bytes from {@code body}; throws when rspamd is down, slow or answers nonsense. */
    Result check(Request r, long length, Supplier<InputStream> body) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(checkv2).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(body), length))
                .header("IP", r.clientIp())
                .header("Queue-Id", r.queueId())
                .header("MTA-Name", r.mtaName());
        if (r.helo() != null) request.header("Helo", r.helo());
        if (!r.mailFrom().isEmpty()) request.header("From", r.mailFrom()); // the null sender is sent as no From at all
        for (String rcpt : r.recipients()) request.header("Rcpt", rcpt);
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) throw new Failure("rspamd answered HTTP " + response.statusCode());
        return parse(response.body());
    }

    @Override
    public void close() {
        http.close();
    }

    static Result parse(byte[] json) throws Failure {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new Failure("rspamd's answer is not JSON: " + e.getMessage());
        }
        if (root == null || !root.path("action").isTextual()) throw new Failure("rspamd's answer has no action" + (root != null && root.has("error") ? ": " + root.get("error").asText() : ""));
        Action action = Action.parse(root.get("action").asText())
                .orElseThrow(() -> new Failure("rspamd answered an unknown action \"" + root.get("action").asText() + "\""));
        Map<String, Double> symbols = new LinkedHashMap<>();
        root.path("symbols").properties().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, JsonNode> e) -> -e.getValue().path("score").asDouble()).thenComparing(Map.Entry::getKey))
                .forEach(e -> symbols.put(e.getKey(), e.getValue().path("score").asDouble()));
        return new Result(action, root.path("score").asDouble(), root.path("required_score").asDouble(), symbols);
    }
}
