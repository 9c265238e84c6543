package dev.tracebridge.admin;

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

  static HttpResponse<String> get(AdminServer server, String path) throws IOException, InterruptedException {
    return send(server, "GET", path);
  }

  static HttpResponse<String> send(AdminServer server, String method, String path)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(5))
        .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
