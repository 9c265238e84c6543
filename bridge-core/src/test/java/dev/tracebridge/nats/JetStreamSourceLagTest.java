package dev.tracebridge.nats;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pending count a JetStream source publishes for {@code bridge_source_lag{partition=""}}, on a real
 * server: read from the consumer info while the route takes nothing, and from each message's metadata
 * while it consumes.
 */
@Timeout(120)
class JetStreamSourceLagTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void publishesTheConsumersPendingCount() throws Exception {
    try (NatsServers server = NatsServers.start(); Connection admin = Nats.connect(server.url())) {
      JetStreamEndpointsTest.createStream(admin, "LAG", "lag.>");
      JetStream js = admin.jetStream();
      for (int i = 0; i < 12; i++) {
        js.publish("lag.a", ("m" + i).getBytes(StandardCharsets.UTF_8));
      }
      CollectingHandler handler = CollectingHandler.acking().room(false);
      try (JetStreamSource source = new JetStreamSource("lag", new SourceConfig.JetStream("LAG", Optional.empty(),
          "lag-durable"), NatsClusterConfig.of(List.of(server.url())), 100)) {
        assertEquals(Map.of(), source.lag(), "unknown before the consumer exists");
        source.start(handler);

        // no room: nothing is fetched, the consumer info says what waits
        await().atMost(WAIT).until(() -> Map.of("", 12L).equals(source.lag()));
        assertEquals(0, handler.size());

        handler.room(true);
        await().atMost(WAIT).until(() -> handler.size() == 12 && Map.of("", 0L).equals(source.lag()));
        assertEquals(0, source.reconnects());
      }
    }
  }
}
