package dev.tracebridge.kafka;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.route.Sink;
import dev.tracebridge.route.SinkContract;
import dev.tracebridge.route.Source;
import dev.tracebridge.route.SourceContract;
import dev.tracebridge.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The Kafka source and sink against the rules every source and sink keeps, on an in-process broker. */
class KafkaContractTest {

  private static EmbeddedKafka kafka;
  private static KafkaClusterConfig cluster;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
    cluster = new KafkaClusterConfig(kafka.bootstrapServers(), Map.of());
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Nested
  class KafkaSourceContract extends SourceContract {
    private String topic;
    private String group;

    @Override
    protected void newPosition() {
      topic = unique("contract-in");
      group = unique("contract-group");
      kafka.createTopic(topic, 1);
    }

    @Override
    protected void publish(List<String> payloads) throws Exception {
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      try (KafkaProducer<byte[], byte[]> producer =
               new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (String payload : payloads) {
          producer.send(new ProducerRecord<>(topic, payload.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
      }
    }

    @Override
    protected Source newSource() {
      return new KafkaSource(unique("route"), new SourceConfig.Kafka(List.of(topic), Optional.empty(), group,
          SourceConfig.StartFrom.EARLIEST, Map.of()), cluster);
    }

    @Override
    protected boolean redelivers() {
      return true;
    }
  }

  @Nested
  class KafkaSinkContract extends SinkContract {
    private String topic;

    @Override
    protected void newDestination() {
      topic = unique("contract-out");
      kafka.createTopic(topic, 1);
    }

    @Override
    protected String destination() {
      return topic;
    }

    @Override
    protected String invalidDestination() {
      return "not a topic";
    }

    @Override
    protected Sink newSink() {
      return new KafkaSink(unique("sink"), Map.of(), cluster);
    }

    @Override
    protected List<Arrived> read(int count) {
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("reader"));
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      List<Arrived> out = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer =
               new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(topic));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            out.add(new Arrived(new String(record.value(), StandardCharsets.UTF_8), KafkaHeaders.fromKafka(record.headers())));
          }
        }
      }
      return out;
    }
  }
}
