package dev.tracebridge.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once under a crash, through the real launcher: the bridge relays a Kafka topic into a
 * JetStream stream while records keep arriving, is killed with SIGKILL in the middle of the stream,
 * started again, and every record is in the stream exactly once (redeliveries are deduplicated by
 * {@code Nats-Msg-Id}). Then SIGTERM drains it: exit status 0 and every offset committed.
 */
class CrashRecoveryIT {

  private static final int PARTITIONS = 3;
  private static final int RECORDS = 30_000;
  private static final String TOPIC = "crash-orders";
  private static final String ROUTE = "crash-to-jetstream";

  private static EmbeddedKafka kafka;
  private static NatsServers nats;

  @BeforeAll
  static void brokers() {
    kafka = EmbeddedKafka.start();
    nats = NatsServers.start();
  }

  @AfterAll
  static void stopBrokers() {
    nats.close();
    kafka.close();
  }

  @Test
  void sigkillMidStreamLosesNothingAndSigtermDrainsWithStatus0(@TempDir Path dir) throws Exception {
    kafka.createTopic(TOPIC, PARTITIONS);
    int adminPort = NatsServers.freePort();
    Path config = dir.resolve("crash.conf");
    Files.writeString(config, """
        bridge {
          admin.port = %d
          kafka.bootstrap-servers = "%s"
          nats.servers = ["%s"]
          routes {
            %s {
              # The killed process's group membership lingers for session.timeout.ms (45 s by
              # default) before its partitions move to the restarted one; keep that short here.
              from.kafka { topics = ["%s"], properties { session.timeout.ms = 6000 } }
              to.jetstream { subject = "crash.orders.{partition}" }
            }
          }
        }
        """.formatted(adminPort, kafka.bootstrapServers(), nats.url(), ROUTE, TOPIC));

    try (Connection nc = Nats.connect(nats.url())) {
      JetStreamManagement jsm = nc.jetStreamManagement();
      jsm.addStream(StreamConfiguration.builder().name("CRASH").subjects("crash.orders.>")
          .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(10)).build());

      AtomicInteger produced = new AtomicInteger();
      Thread producer = new Thread(() -> produceSlowly(produced), "test-producer");
      producer.start();

      Process first = Launcher.start("crash-first", Map.of(), "run", "--config", config.toString());
      await().atMost(Duration.ofSeconds(60)).until(() -> streamCount(jsm) >= RECORDS / 10);
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: nothing drains, nothing commits
      long atKill = streamCount(jsm);
      assertTrue(atKill < RECORDS, "killed mid-stream (" + atKill + " of " + RECORDS + " relayed)");

      Process second = Launcher.start("crash-second", Map.of(), "run", "--config", config.toString());
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> ready(adminPort));
        producer.join();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> streamCount(jsm) >= RECORDS);
        assertEquals(RECORDS, produced.get());
        assertEquals(RECORDS, streamCount(jsm), "every record once: redeliveries after the crash deduplicated");
      } finally {
        second.destroy(); // SIGTERM
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "drained within a minute");
      }
      assertEquals(0, second.exitValue(), "a clean stop after SIGTERM exits 0");
      assertEquals(endOffsets(), committedOffsets(), "every relayed offset committed on drain");
    }
  }

  private static void produceSlowly(AtomicInteger produced) {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("linger.ms", "5");
    try (KafkaProducer<byte[], byte[]> producer =
             new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      // Paced over several seconds, so that the kill lands while records are still arriving.
      for (int i = 0; i < RECORDS; i++) {
        byte[] key = ("k" + (i % 97)).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(TOPIC, key, ("order-" + i).getBytes(StandardCharsets.UTF_8)));
        produced.incrementAndGet();
        if (i % 1000 == 999) {
          producer.flush();
          TimeUnit.MILLISECONDS.sleep(200);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long streamCount(JetStreamManagement jsm) throws Exception {
    return jsm.getStreamInfo("CRASH").getStreamState().getMsgCount();
  }

  private static boolean ready(int adminPort) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static Map<TopicPartition, Long> endOffsets() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> latest = java.util.stream.IntStream.range(0, PARTITIONS).boxed()
          .collect(Collectors.toMap(p -> new TopicPartition(TOPIC, p), p -> OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get().entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
  }

  private static Map<TopicPartition, Long> committedOffsets() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("bridge-" + ROUTE).partitionsToOffsetAndMetadata().get();
      return committed.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
  }
}
