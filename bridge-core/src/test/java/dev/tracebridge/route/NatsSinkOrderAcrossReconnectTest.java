package dev.tracebridge.route;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.nats.CuttableProxy;
import dev.tracebridge.nats.JetStreamSink;
import dev.tracebridge.nats.NatsSink;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.tracing.RelayTracer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A route into NATS keeps each lane's order when the socket to the server dies while messages stream out:
 * what was written just before the cut is lost in flight and retried by the route, and nothing written
 * later may reach the server before it. A JetStream stream captures the subject, so the order the server
 * received is the stream's order.
 */
class NatsSinkOrderAcrossReconnectTest {

  private static final int MESSAGES = 20_000;
  private static NatsServers server;

  @BeforeAll
  static void startServer() {
    server = NatsServers.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"nats", "jetstream"})
  void messagesWrittenAfterOnesLostInACutSocketDoNotOvertakeThem(String kind) throws Exception {
    String subject = "order." + UUID.randomUUID().toString().substring(0, 8);
    String stream = "ORDER_" + subject.substring("order.".length()).toUpperCase();
    try (Connection admin = Nats.connect(server.url())) {
      admin.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject)
          .storageType(StorageType.File).build());
    }
    int serverPort = server.port();
    BridgeConfig config = ConfigLoader.parse("""
        bridge.routes.r {
          from.kafka { topics = ["in"] }
          to.%s { subject = "%s" }
          retry { initial-backoff = 5ms, max-backoff = 100ms }
        }
        """.formatted(kind, subject), "test.conf");
    RouteConfig routeConfig = config.routes().get(0);
    InMemorySource source = new InMemorySource();
    try (CuttableProxy proxy = new CuttableProxy(serverPort)) {
      NatsClusterConfig cluster = NatsClusterConfig.of(List.of(proxy.url()));
      Sink sink = kind.equals("nats")
          ? new NatsSink("order-sink", cluster, routeConfig.inFlight())
          : new JetStreamSink("order-sink", cluster, routeConfig.inFlight());
      RouteRunner route = new RouteRunner(routeConfig, source, sink, Optional.empty(),
          new RelayTracer(OpenTelemetry.noop(), config, routeConfig), new SimpleMeterRegistry(), 1);
      try {
        route.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> route.state() == RouteState.RUNNING);
        source.offer("a", MESSAGES);
        for (int cut = 1; cut <= 4; cut++) {
          int before = cut * MESSAGES / 5;
          await().atMost(Duration.ofSeconds(30)).until(() -> source.acked.size() > before);
          proxy.cut(0); // the server's side closes at once, as when the server dies: no bytes are held back
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> source.acked.size() == MESSAGES);
        assertTrue(sink.reconnects() >= 4, "every cut counted as a reconnect: " + sink.reconnects());
      } finally {
        route.stopConsuming();
        route.giveUp();
        route.close(Duration.ofSeconds(5));
      }
    }

    List<String> firstCopies = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    try (Connection admin = Nats.connect(server.url())) {
      JetStreamManagement jsm = admin.jetStreamManagement();
      long count = jsm.getStreamInfo(stream).getStreamState().getMsgCount();
      for (long seq = 1; seq <= count; seq++) {
        String id = new String(jsm.getMessage(stream, seq).getData(), StandardCharsets.UTF_8);
        if (seen.add(id)) {
          firstCopies.add(id);
        }
      }
    }
    assertEquals(MESSAGES, firstCopies.size(), "every message reached the server");
    List<String> overtaken = new ArrayList<>();
    int expected = 0;
    for (String id : firstCopies) {
      int seq = Integer.parseInt(id.substring("a:".length()));
      if (seq != expected) {
        overtaken.add(id + " at " + expected);
      }
      expected = seq + 1;
    }
    assertTrue(overtaken.isEmpty(), overtaken.size() + " places where a later message overtook: "
        + overtaken.subList(0, Math.min(10, overtaken.size())));
  }
}
