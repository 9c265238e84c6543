package dev.tracebridge.admin;

import dev.tracebridge.config.AdminConfig;
import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.route.BridgeStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP/1.1 requests to an admin server on localhost. */
final class AdminHttp {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private AdminHttp() {
  }

  /** An admin server on a free port whose /metrics renders a registry bound to {@code status}. */
  static AdminServer start(BridgeStatus status) throws InterruptedException {
    return start(status, new BridgeMetrics());
  }

  static AdminServer start(BridgeStatus status, BridgeMetrics metrics) throws InterruptedException {
    return AdminServer.start(new AdminConfig(true, "127.0.0.1", 0), status, metrics.bind(status));
  }

  static HttpResponse<String> get(AdminServer server, String path) throws IOException, InterruptedException {
    return send(server, "GET", path);
  }

  static HttpResponse<String> send(AdminServer server, String method, String path)
      throws IOException, InterruptedException {
    return CLIENT.send(request(server, path).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A GET with an {@code Accept} header, as a Prometheus server sends one. */
  static HttpResponse<String> get(AdminServer server, String path, String accept)
      throws IOException, InterruptedException {
    return CLIENT.send(request(server, path).header("Accept", accept).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(AdminServer server, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5));
  }
}
