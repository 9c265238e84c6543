package dev.tracebridge.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lag a Kafka source publishes for {@code bridge_source_lag}, on a real broker: zero per partition once
 * caught up, and growing while the route has no room (the partition is paused, so no fetch updates it).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSourceLagTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void publishesRecordsBehindTheLogEndPerPartitionAlsoWhilePaused() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      kafka.createTopic("lag", 2);
      produce(producer, 0, 20);
      Collecting handler = new Collecting();
      SourceConfig.Kafka config = new SourceConfig.Kafka(List.of("lag"), Optional.empty(), "lag-group",
          SourceConfig.StartFrom.EARLIEST, Map.of());
      try (KafkaSource source = new KafkaSource("lag-route", config,
          new KafkaClusterConfig(kafka.bootstrapServers(), Map.of()))) {
        assertEquals(Map.of(), source.lag(), "nothing known before the first poll");
        source.start(handler);

        await().atMost(WAIT).until(() -> handler.received.size() == 20
            && Map.of("lag-0", 0L, "lag-1", 0L).equals(source.lag()));
        assertTrue(source.reconnects() > 0, "the consumer's connection-creation-total");

        handler.room = false;
        Thread.sleep(1_000); // a few polls: the source has paused its partitions
        produce(producer, 0, 15);
        produce(producer, 1, 4);

        await().atMost(WAIT).until(() -> {
          long taken = handler.received.stream().filter(m -> partition(m) == 0).count();
          return Long.valueOf(35 - taken).equals(source.lag().get("lag-0")) && source.lag().get("lag-0") > 0
              && Long.valueOf(4 - (handler.received.size() - taken)).equals(source.lag().get("lag-1"));
        });

        handler.room = true;
        await().atMost(WAIT).until(() -> handler.received.size() == 39
            && Map.of("lag-0", 0L, "lag-1", 0L).equals(source.lag()));
      }
    }
  }

  private static int partition(ReceivedMessage message) {
    return ((SourcePosition.Kafka) message.message().position()).partition();
  }

  private static void produce(KafkaProducer<byte[], byte[]> producer, int partition, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      producer.send(new ProducerRecord<>("lag", partition, null, ("m" + i).getBytes(StandardCharsets.UTF_8)))
          .get(30, TimeUnit.SECONDS);
    }
  }

  /** Takes every record without acknowledging it; whether it has room is the test's to say. */
  private static final class Collecting implements MessageHandler {
    final List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
    volatile boolean room = true;

    @Override
    public void onMessage(ReceivedMessage message) {
      received.add(message);
    }

    @Override
    public boolean hasRoom() {
      return room;
    }
  }
}
