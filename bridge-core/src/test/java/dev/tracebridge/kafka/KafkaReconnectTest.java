package dev.tracebridge.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Endpoints started before their broker, and a broker that goes away and comes back on the same port. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaReconnectTest {

  private static final String TOPIC = "reconnect-topic";

  private final int port = EmbeddedKafka.freePort();
  private final KafkaClusterConfig cluster = new KafkaClusterConfig("127.0.0.1:" + port, Map.of());
  private final KafkaSink sink = new KafkaSink("reconnect-sink", Map.of(), cluster);
  private final KafkaSource source = new KafkaSource("reconnect",
      new SourceConfig.Kafka(List.of(TOPIC), Optional.empty(), "reconnect-group", SourceConfig.StartFrom.EARLIEST, Map.of()),
      cluster);
  private final List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
  private EmbeddedKafka kafka;

  @AfterEach
  void closeAll() {
    source.close();
    sink.close();
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void connectsAndRelaysOnceTheBrokerRunsAndAgainAfterItCameBack() throws Exception {
    sink.start();
    source.start(received::add);
    // Long enough for a probe round trip to fail: nothing listens on the port yet.
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .until(() -> !sink.isConnected() && !source.isConnected());

    kafka = EmbeddedKafka.start(port);
    await().atMost(Duration.ofSeconds(15)).until(() -> sink.isConnected() && source.isConnected());
    // The topic did not exist when the source subscribed; the first send creates it.
    send("before-restart");
    await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
    received.get(0).acknowledgement().ack();

    kafka.close();
    await().atMost(Duration.ofSeconds(15)).until(() -> !sink.isConnected() && !source.isConnected());

    kafka = EmbeddedKafka.start(port);
    await().atMost(Duration.ofSeconds(15)).until(() -> sink.isConnected() && source.isConnected());
    send("after-restart");
    await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
    assertEquals("after-restart", new String(received.get(1).message().payload(), StandardCharsets.UTF_8));
  }

  /**
   * Sends as the route does: a transient failure (with the sink's 1 s max.block.ms, the metadata of a
   * topic that does not exist yet, or of a broker still reconnecting) is tried again, anything else fails.
   */
  private void send(String payload) {
    OutboundMessage message =
        new OutboundMessage(TOPIC, null, payload.getBytes(StandardCharsets.UTF_8), MessageHeaders.empty(), null);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      try {
        sink.send(message).get(30, TimeUnit.SECONDS);
        return true;
      } catch (ExecutionException e) {
        assertEquals(ErrorClass.TRANSIENT, sink.classify(e), () -> "only transient failures are retried: " + e);
        return false;
      }
    });
  }
}
