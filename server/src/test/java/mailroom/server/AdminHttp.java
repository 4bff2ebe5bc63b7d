package mailroom.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The admin API of a test node over plain HTTP, as its postmaster: {@code call(path, {method, json body})}. */
final class AdminHttp {
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String auth;

    /** {@code prefix} goes between the node's address and every path ("" or "api/v1/"). */
    AdminHttp(TestNode node, String prefix) {
        this.base = "http://127.0.0.1:" + node.node.adminPort() + "/" + prefix;
        this.auth = "Basic " + Base64.getEncoder().encodeToString(("postmaster@example.test:" + node.postmasterPassword).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> call(String path, String[] methodAndBody) {
        try {
            var request = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth).header("Content-Type", "application/json")
                    .method(methodAndBody[0], methodAndBody.length > 1 ? HttpRequest.BodyPublishers.ofString(methodAndBody[1]) : HttpRequest.BodyPublishers.noBody());
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
