package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.route.RouteView;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reload under load, on real brokers: the changed route is drained and restarted, the new one starts,
 * the removed one stops, the untouched one is never interrupted, and every record reaches its stream
 * exactly once (what a drained route had not committed comes again and is deduplicated by Nats-Msg-Id).
 */
@Timeout(180)
class BridgeReloadTest {

  private static final int RECORDS = 3_000;

  private static EmbeddedKafka kafka;
  private static NatsServers nats;
  private static Connection natsClient;

  private final List<AutoCloseable> running = new ArrayList<>();

  @BeforeAll
  static void brokers() throws Exception {
    kafka = EmbeddedKafka.start();
    nats = NatsServers.start();
    natsClient = Nats.connect(nats.url());
  }

  @AfterAll
  static void stopBrokers() throws Exception {
    natsClient.close();
    nats.close();
    kafka.close();
  }

  @AfterEach
  void stopBridges() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  private BridgeConfig config(String id, String routes) throws Exception {
    return ConfigLoader.parse("""
        bridge {
          admin.enabled = false
          shutdown-timeout = 10s
          kafka.bootstrap-servers = "%s"
          kafka.properties { "metadata.max.age.ms" = 1000 }
          nats.servers = ["%s"]
          routes { %s }
        }
        """.formatted(kafka.bootstrapServers(), nats.url(), routes.replace("ID", id)), "reload.conf");
  }

  private static String route(String name, String extra) {
    return """
        %s {
          from.kafka { topics = ["ID-%s"] }
          to.jetstream { subject = "ID_%s.in" }
          %s
        }
        """.formatted(name, name, name, extra);
  }

  private static long stored(String stream) throws Exception {
    return natsClient.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
  }

  @Test
  void aReloadUnderLoadRestartsOnlyWhatChangedAndLosesNothing() throws Exception {
    String id = "r" + UUID.randomUUID().toString().substring(0, 8);
    JetStreamManagement jsm = natsClient.jetStreamManagement();
    for (String name : List.of("keep", "change", "gone", "added")) {
      kafka.createTopic(id + "-" + name, 2);
      jsm.addStream(StreamConfiguration.builder().name(id + "_" + name).subjects(id + "_" + name + ".>").build());
    }
    Telemetry telemetry = Telemetry.forTesting(InMemorySpanExporter.create());
    running.add(telemetry);
    Bridge bridge = Bridge.start(config(id, route("keep", "") + route("change", "") + route("gone", "")), telemetry);
    running.add(bridge);
    await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);
    RouteView keep = bridge.route("keep").orElseThrow();

    AtomicBoolean untouchedInterrupted = new AtomicBoolean();
    Thread watcher = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        if (keep.state() == RouteState.STOPPED || keep.state() == RouteState.FAILED) {
          untouchedInterrupted.set(true);
        }
        Thread.onSpinWait();
      }
    });
    watcher.setDaemon(true);
    watcher.start();
    Thread producer = new Thread(() -> produce(id, RECORDS), "load");
    producer.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> stored(id + "_change") > RECORDS / 4);

    Bridge.ReloadResult result = bridge.reload(config(id,
        route("keep", "") + route("change", "retry { max-attempts = 7 }") + route("added", "")));

    assertEquals(2, result.version());
    assertEquals(List.of("added"), result.started());
    assertEquals(List.of("change"), result.restarted());
    assertEquals(List.of("gone"), result.stopped());
    assertEquals(List.of("keep"), result.unchanged());
    assertSame(keep, bridge.route("keep").orElseThrow(), "the untouched route is the same running route");
    assertTrue(bridge.route("gone").isEmpty());
    assertEquals(2, bridge.route("change").orElseThrow().configVersion());
    assertEquals(1, keep.configVersion());

    producer.join(120_000);
    await().atMost(Duration.ofSeconds(60)).until(() -> stored(id + "_keep") == RECORDS && stored(id + "_change") == RECORDS);
    TestClients.produce(kafka.bootstrapServers(), List.of(new ProducerRecord<>(id + "-added", "new".getBytes(UTF_8))));
    await().atMost(Duration.ofSeconds(60)).until(() -> stored(id + "_added") == 1);
    watcher.interrupt();
    assertTrue(!untouchedInterrupted.get(), "the untouched route was never stopped");
    assertEquals(RECORDS, stored(id + "_keep"));
    assertEquals(RECORDS, stored(id + "_change"), "nothing lost or stored twice across the restart");
  }

  private static void produce(String id, int count) {
    try {
      List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] value = ("m" + i).getBytes(UTF_8);
        batch.add(new ProducerRecord<>(id + "-keep", value));
        batch.add(new ProducerRecord<>(id + "-change", value));
        if (batch.size() == 100) {
          TestClients.produce(kafka.bootstrapServers(), batch);
          batch.clear();
        }
      }
      TestClients.produce(kafka.bootstrapServers(), batch);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
