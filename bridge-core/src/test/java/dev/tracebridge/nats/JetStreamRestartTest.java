package dev.tracebridge.nats;

import static dev.tracebridge.nats.TestMessages.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server is down when the bridge starts, comes up late, and restarts while the bridge consumes. */
@Timeout(120)
class JetStreamRestartTest {

  @Test
  void waitsForTheServerAndKeepsConsumingAcrossARestart() throws Exception {
    int port = NatsServers.freePort();
    NatsClusterConfig cluster = NatsClusterConfig.of(List.of("nats://127.0.0.1:" + port));
    CollectingHandler handler = CollectingHandler.acking();
    try (JetStreamSource source = new JetStreamSource("restart",
             new SourceConfig.JetStream("RESTART", Optional.of("restart.>"), "restart-durable"), cluster, 100);
         JetStreamSink sink = new JetStreamSink("restart-sink", cluster, InFlightConfig.DEFAULT)) {
      source.start(handler);
      sink.start();
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .until(() -> !source.isConnected() && !sink.isConnected());
      assertTrue(sink.send(message(0)).isCompletedExceptionally(), "no connection yet: the send fails, it does not throw");

      try (NatsServers server = NatsServers.start(port)) {
        try (Connection admin = Nats.connect(server.url())) {
          JetStreamEndpointsTest.createStream(admin, "RESTART", "restart.>");
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> source.isConnected() && sink.isConnected());
        publish(sink, 1, 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.size() >= 10);

        server.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> source.isConnected() && sink.isConnected());
        publish(sink, 11, 20);

        // Nothing is lost (at least once: a message whose ack the restart swallowed may come twice), and
        // the consumer is not stale: the new messages arrive promptly, not when missed heartbeats finally
        // make jnats notice that its pull request died with the old server process.
        await().atMost(Duration.ofSeconds(3)).until(() -> sequences(handler).size() == 20);
        assertEquals(LongStream.rangeClosed(1, 20).boxed().toList(), List.copyOf(sequences(handler)));
      }
    }
  }

  private static OutboundMessage message(int i) {
    return new OutboundMessage("restart.x", null, bytes("m-" + i), MessageHeaders.empty(), "restart-" + i);
  }

  /** Publishes and waits for the stream's acks, retrying what the reconnect made fail, as a route does. */
  private static void publish(JetStreamSink sink, int from, int to) {
    for (int i = from; i <= to; i++) {
      int n = i;
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        CompletableFuture<SendReceipt> receipt = sink.send(message(n));
        try {
          receipt.get(5, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      });
    }
  }

  private static TreeSet<Long> sequences(CollectingHandler handler) {
    TreeSet<Long> seen = new TreeSet<>();
    handler.messages().forEach(m -> seen.add(((SourcePosition.JetStream) m.position()).streamSequence()));
    return seen;
  }
}
