package dev.tracebridge.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.AdminConfig;
import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.route.RouteState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminServerTest {

  @Test
  void healthzAnswersOkAndIgnoresTheQueryString() throws Exception {
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus())) {
      HttpResponse<String> plain = AdminHttp.get(server, "/healthz");
      HttpResponse<String> withQuery = AdminHttp.get(server, "/healthz?verbose=1");

      assertEquals(200, plain.statusCode());
      assertEquals("ok", plain.body());
      assertEquals(Optional.of("text/plain; charset=utf-8"), plain.headers().firstValue("content-type"));
      assertEquals(200, withQuery.statusCode());
    }
  }

  @Test
  void readyzFollowsTheRoutesAndNamesTheOnesThatAreNotReady() throws Exception {
    TestRoute orders = new TestRoute("orders", "kafka:orders", "nats:orders.{key}")
        .set(RouteState.STARTING, "kafka 127.0.0.1:9092 unreachable");
    TestRoute events = new TestRoute("events", "jetstream:EVENTS/events.>", "kafka:events")
        .set(RouteState.RUNNING, null);
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus(orders, events))) {
      HttpResponse<String> starting = AdminHttp.get(server, "/readyz");
      assertEquals(503, starting.statusCode());
      assertEquals(Optional.of("application/json"), starting.headers().firstValue("content-type"));
      assertEquals("{\"ready\":false,\"routes\":[{\"route\":\"orders\",\"state\":\"STARTING\","
          + "\"error\":\"kafka 127.0.0.1:9092 unreachable\"}]}", starting.body());

      orders.set(RouteState.RUNNING, null);
      HttpResponse<String> running = AdminHttp.get(server, "/readyz");
      assertEquals(200, running.statusCode());
      assertEquals("{\"ready\":true}", running.body());

      events.set(RouteState.FAILED, "no dead letter for \"events\": template {key} empty");
      orders.set(RouteState.DISCONNECTED, null);
      HttpResponse<String> failed = AdminHttp.get(server, "/readyz");
      assertEquals(503, failed.statusCode());
      assertEquals("{\"ready\":false,\"routes\":["
          + "{\"route\":\"orders\",\"state\":\"DISCONNECTED\",\"error\":null},"
          + "{\"route\":\"events\",\"state\":\"FAILED\","
          + "\"error\":\"no dead letter for \\\"events\\\": template {key} empty\"}]}", failed.body());
    }
  }

  @Test
  void aBridgeWithoutRoutesIsNotReady() throws Exception {
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus())) {
      HttpResponse<String> response = AdminHttp.get(server, "/readyz");

      assertEquals(503, response.statusCode());
      assertEquals("{\"ready\":false,\"routes\":[]}", response.body());
    }
  }

  @Test
  void routesListsEveryRouteWithStateCountsAndLastError() throws Exception {
    TestRoute orders = new TestRoute("orders", "kafka:orders", "nats:orders.{key}").set(RouteState.RUNNING, null);
    orders.metrics().consumed();
    orders.metrics().consumed();
    orders.metrics().consumed();
    orders.metrics().produced(1_000_000);
    orders.metrics().produced(2_000_000);
    orders.metrics().retried();
    orders.metrics().deadLettered();
    TestRoute events = new TestRoute("events", "jetstream:EVENTS/events.>", "kafka:events")
        .set(RouteState.FAILED, "send failed:\n\"events\" is not a valid topic");
    events.metrics().consumed();
    events.metrics().failed();
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus(orders, events))) {
      HttpResponse<String> response = AdminHttp.get(server, "/routes");

      assertEquals(200, response.statusCode());
      assertEquals(Optional.of("application/json"), response.headers().firstValue("content-type"));
      assertEquals("["
          + "{\"name\":\"orders\",\"source\":\"kafka:orders\",\"destination\":\"nats:orders.{key}\","
          + "\"state\":\"RUNNING\",\"counts\":{\"consumed\":3,\"produced\":2,\"deadLettered\":1,\"retried\":1,"
          + "\"failed\":0},\"configVersion\":1,\"lastError\":null},"
          + "{\"name\":\"events\",\"source\":\"jetstream:EVENTS/events.>\",\"destination\":\"kafka:events\","
          + "\"state\":\"FAILED\",\"counts\":{\"consumed\":1,\"produced\":0,\"deadLettered\":0,\"retried\":0,"
          + "\"failed\":1},\"configVersion\":1,\"lastError\":\"send failed:\\n\\\"events\\\" is not a valid topic\"}"
          + "]", response.body());
    }
  }

  @Test
  void unknownPathsAre404AndOtherMethods405() throws Exception {
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus())) {
      assertEquals(404, AdminHttp.get(server, "/").statusCode());
      assertEquals(404, AdminHttp.get(server, "/healthz/").statusCode());
      assertEquals(404, AdminHttp.get(server, "/admin/metrics").statusCode());
      assertEquals(404, AdminHttp.send(server, "POST", "/nope").statusCode());

      for (String method : new String[] {"POST", "PUT", "DELETE", "OPTIONS"}) {
        HttpResponse<String> response = AdminHttp.send(server, method, "/metrics");
        assertEquals(405, response.statusCode(), method);
        assertEquals(Optional.of("GET, HEAD"), response.headers().firstValue("allow"), method);
      }
    }
  }

  @Test
  void headAnswersLikeGetWithoutTheBody() throws Exception {
    TestRoute orders = new TestRoute("orders", "kafka:orders", "nats:orders").set(RouteState.STARTING, "connecting");
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus(orders))) {
      HttpResponse<String> get = AdminHttp.get(server, "/readyz");
      HttpResponse<String> head = AdminHttp.send(server, "HEAD", "/readyz");

      assertEquals(503, head.statusCode());
      assertEquals("", head.body());
      assertEquals(Optional.of(String.valueOf(get.body().getBytes(StandardCharsets.UTF_8).length)),
          head.headers().firstValue("content-length"));
    }
  }

  @Test
  void keepsAnHttp11ConnectionOpenAndClosesAnHttp10One() throws Exception {
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus());
        Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 3; i++) {
        socket.getOutputStream().write(
            "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ok", readResponseBody(in), "request " + i + " on the same connection");
      }
      socket.getOutputStream().write("GET /healthz HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertEquals("ok", readResponseBody(in));
      assertEquals(-1, in.read(), "an HTTP/1.0 request without keep-alive ends the connection");
    }
  }

  @Test
  void answersARequestItCannotDecodeWith400AndCloses() throws Exception {
    try (AdminServer server = AdminHttp.start(new TestBridgeStatus());
        Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: many\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));

      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(response.startsWith("HTTP/1.1 400 Bad Request\r\n"), response);
    }
  }

  @Test
  void portZeroPicksAFreePortAndTheServerReallyListensThere() throws Exception {
    try (AdminServer first = AdminHttp.start(new TestBridgeStatus());
        AdminServer second = AdminHttp.start(new TestBridgeStatus())) {
      assertTrue(first.port() > 0);
      assertNotEquals(first.port(), second.port());
      assertEquals(200, AdminHttp.get(first, "/healthz").statusCode());
      assertEquals(200, AdminHttp.get(second, "/healthz").statusCode());

      AdminConfig taken = new AdminConfig(true, "127.0.0.1", first.port());
      IllegalStateException error =
          assertThrows(IllegalStateException.class,
              () -> AdminServer.start(taken, new TestBridgeStatus(), new BridgeMetrics()));
      assertTrue(error.getMessage().contains("127.0.0.1:" + first.port()), error.getMessage());
    }
  }

  @Test
  void closeStopsListeningAndMayBeRepeated() throws Exception {
    AdminServer server = AdminHttp.start(new TestBridgeStatus());
    int port = server.port();
    assertEquals(200, AdminHttp.get(server, "/healthz").statusCode());

    server.close();
    server.close();

    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
  }

  /** Reads one response with a Content-Length from the stream and returns its body. */
  private static String readResponseBody(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      assertNotEquals(-1, b, "connection closed before the response ended");
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    assertTrue(headers.startsWith("HTTP/1.1 200 OK\r\n"), headers);
    int length = -1;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    assertTrue(length >= 0, "no content-length in " + headers);
    return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
  }
}
