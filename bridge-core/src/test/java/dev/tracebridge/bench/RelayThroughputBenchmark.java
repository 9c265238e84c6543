package dev.tracebridge.bench;

import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.runtime.Bridge;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Kafka → JetStream throughput: the raw clients (a consumer loop publishing asynchronously) as the
 * baseline, then the bridge with tracing on, on the same brokers in the same run. Prints figures and
 * asserts nothing, so it is not part of the test run (its name does not end in Test). Run it with
 * {@code mvn -B -pl bridge-core -am test -Dtest=RelayThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.messages=100000};
 * the figures are in {@code bridge-core/target/surefire-reports/*RelayThroughputBenchmark-output.txt}.
 */
class RelayThroughputBenchmark {

  @Test
  void kafkaToJetStream() throws Exception {
    int count = Integer.getInteger("bench.messages", 100_000);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(); NatsServers nats = NatsServers.start();
         Connection nc = Nats.connect(nats.url())) {
      JetStreamManagement jsm = nc.jetStreamManagement();
      for (String s : List.of("RAW", "BRIDGE")) {
        jsm.addStream(StreamConfiguration.builder().name(s).subjects(s.toLowerCase() + ".>").storageType(StorageType.File).build());
      }
      kafka.createTopic("bench", 1);
      produce(kafka.bootstrapServers(), count);

      long rawStart = System.nanoTime();
      raw(kafka.bootstrapServers(), nc.jetStream(), count);
      double rawSeconds = (System.nanoTime() - rawStart) / 1e9;

      InMemorySpanExporter spans = InMemorySpanExporter.create();
      long bridgeStart = System.nanoTime();
      try (Telemetry telemetry = Telemetry.forTesting(spans);
           Bridge bridge = Bridge.start(ConfigLoader.parse("""
               bridge { admin.enabled = false, kafka.bootstrap-servers = "%s", nats.servers = ["%s"]
                 routes { bench { from.kafka { topics = ["bench"] }, to.jetstream { subject = "bridge.out" } } } }
               """.formatted(kafka.bootstrapServers(), nats.url()), "bench.conf"), telemetry)) {
        while (jsm.getStreamInfo("BRIDGE").getStreamState().getMsgCount() < count) {
          Thread.sleep(20);
        }
        double bridgeSeconds = (System.nanoTime() - bridgeStart) / 1e9;
        Runtime rt = Runtime.getRuntime();
        System.out.printf("kafka->jetstream %d msgs of 100 B: raw clients %.0f msg/s, bridge %.0f msg/s (%.2f of raw),"
                + " %d spans recorded, heap used %d MiB%n",
            count, count / rawSeconds, count / bridgeSeconds, rawSeconds / bridgeSeconds,
            spans.getFinishedSpanItems().size(), (rt.totalMemory() - rt.freeMemory()) >> 20);
      }
    }
  }

  private static void produce(String bootstrap, int count) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("linger.ms", "5");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      byte[] payload = new byte[100];
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>("bench", ("k" + i).getBytes(), payload));
      }
      producer.flush();
    }
  }

  private static void raw(String bootstrap, JetStream js, int count) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", "raw");
    p.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("bench"));
      int seen = 0;
      List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
      while (seen < count) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          acks.add(js.publishAsync("raw.out", r.value()));
          seen++;
        }
      }
      for (CompletableFuture<PublishAck> a : acks) {
        a.join();
      }
      consumer.commitSync();
    }
  }
}
