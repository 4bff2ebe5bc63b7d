package mailroom.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;

/** A bare JMAP client over the JDK's HTTP client: requests written as JSON text, answers read as trees. */
final class JmapHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String USING = "\"using\": [\"urn:ietf:params:jmap:core\", \"urn:ietf:params:jmap:mail\", \"urn:ietf:params:jmap:submission\", \"urn:ietf:params:jmap:vacationresponse\", \"urn:ietf:params:jmap:principals\"]";

    final String base;
    final String authorization;
    final HttpClient http;

    JmapHttp(int port, String login, String password) {
        this(port, "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    JmapHttp(int port, String authorization) {
        this("127.0.0.1", port, authorization);
    }

    /** A client of a node bound to {@code host}. */
    JmapHttp(String host, int port, String login, String password) {
        this(host, port, "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    JmapHttp(String host, int port, String authorization) {
        this.base = "https://" + host + ":" + port;
        this.authorization = authorization;
        this.http = HttpClient.newBuilder().sslContext(trustAll()).build();
    }

    /** The node's certificate is self-signed: the tests trust it as the user would after checking it. */
    static SSLContext trustAll() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    HttpResponse<String> rawApi(String body) throws IOException, InterruptedException {
        return post("/jmap/api", "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    /** A request of the given method calls (a JSON array text), using every capability; the whole response. */
    JsonNode api(String methodCalls) throws IOException, InterruptedException {
        var r = rawApi("{" + USING + ", \"methodCalls\": " + methodCalls + "}");
        if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    /** One method call; its response arguments (or the error's). */
    JsonNode call(String method, String arguments) throws IOException, InterruptedException {
        return api("[[\"" + method + "\", " + arguments + ", \"c\"]]").get("methodResponses").get(0).get(1);
    }

    /** The response's name ("error" for a method-level error). */
    String responseName(String method, String arguments) throws IOException, InterruptedException {
        return api("[[\"" + method + "\", " + arguments + ", \"c\"]]").get("methodResponses").get(0).get(0).asText();
    }

    JsonNode session() throws IOException, InterruptedException {
        var r = get("/.well-known/jmap");
        if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }
}
