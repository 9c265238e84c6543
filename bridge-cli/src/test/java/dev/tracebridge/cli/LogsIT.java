package dev.tracebridge.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's logs as a log collector reads them: with {@code --log-format json} or
 * {@code BRIDGE_LOG_FORMAT=json} every line is one JSON object, and the lines written while a message
 * is handled carry its route and the trace and span ids of its CONSUMER span.
 */
class LogsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String UPSTREAM_SPAN = "00f067aa0ba902b7";

  @Test
  void linesAboutAMessageCarryItsRouteAndTrace() throws Exception {
    Path log = Path.of("target/logs-json.log");
    Files.deleteIfExists(log);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
         NatsServers nats = NatsServers.start();
         OtlpReceiver otlp = OtlpReceiver.start();
         Connection client = Nats.connect(nats.url())) {
      kafka.createTopic("traced-orders", 1);
      Subscription sub = client.subscribe("traced.orders.>");
      client.flush(Duration.ofSeconds(5));
      Process bridge = Launcher.start("logs-json", Map.of(
              "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
              "NATS_URL", nats.url(),
              "OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint(),
              "BRIDGE_LOG_LEVELS", "dev.tracebridge=DEBUG"),
          "run", "--log-format", "json", "--config", Path.of("src/test/resources/traced.conf").toString());
      try {
        produce(kafka.bootstrapServers());
        assertNotNull(sub.nextMessage(Duration.ofSeconds(60)), "relayed");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("delivered"));
      } finally {
        bridge.destroy();
        assertTrue(bridge.waitFor(30, TimeUnit.SECONDS));
      }
      assertEquals(0, bridge.exitValue());
    }
    List<JsonNode> lines = jsonLines(log);
    JsonNode delivered = lines.stream().filter(l -> l.path("message").asText().contains("delivered")).findFirst()
        .orElseThrow(() -> new AssertionError("no line about the delivery in " + lines));
    assertEquals("DEBUG", delivered.get("level").asText());
    assertEquals("dev.tracebridge.route.RouteRunner", delivered.get("logger").asText());
    assertEquals("traced", delivered.get("route").asText());
    assertEquals(TRACE_ID, delivered.get("trace_id").asText());
    String spanId = delivered.get("span_id").asText();
    assertTrue(spanId.matches("[0-9a-f]{16}"), spanId);
    assertNotEquals(UPSTREAM_SPAN, spanId, "the bridge's own CONSUMER span, not the producer's");
    // Nothing per message at INFO: no INFO line is about a message.
    assertTrue(lines.stream().noneMatch(l -> l.get("level").asText().equals("INFO") && l.has("trace_id")),
        lines.toString());
    // The route's thread says which route it works for on every line, message or not.
    assertTrue(lines.stream().anyMatch(l -> l.path("route").asText().equals("traced") && !l.has("trace_id")),
        lines.toString());
  }

  @Test
  void theEnvironmentVariableAsksForJsonLinesToo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("unreachable.conf");
    Files.writeString(file, """
        bridge {
          admin.port = 0
          kafka.bootstrap-servers = "127.0.0.1:%d"
          nats.servers = ["nats://127.0.0.1:%d"]
          routes { away { from.kafka { topics = ["a"] }, to.nats { subject = "b" } } }
        }
        """.formatted(NatsServers.freePort(), NatsServers.freePort()));
    Path log = Path.of("target/logs-env.log");
    Files.deleteIfExists(log);
    Process bridge = Launcher.start("logs-env", Map.of("BRIDGE_LOG_FORMAT", "json"), "run", "--config", file.toString());
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("cannot connect"));
    } finally {
      bridge.destroy();
      assertTrue(bridge.waitFor(30, TimeUnit.SECONDS));
    }
    List<JsonNode> lines = jsonLines(log);
    assertTrue(lines.stream().anyMatch(l -> l.get("level").asText().equals("WARN")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.get("message").asText().startsWith("admin server listening")),
        lines.toString());
  }

  /** Every line of the file, each parsed as one JSON object with the fields every line has. */
  private static List<JsonNode> jsonLines(Path log) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      JsonNode node = JSON.readTree(line);
      assertTrue(node.isObject(), line);
      for (String field : List.of("timestamp", "level", "logger", "message")) {
        assertTrue(node.hasNonNull(field), field + " missing in " + line);
      }
      assertTrue(node.get("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line);
      nodes.add(node);
    }
    assertFalse(nodes.isEmpty(), "the bridge wrote no line to " + log);
    return nodes;
  }

  private static void produce(String bootstrap) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<byte[], byte[]> producer =
             new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("traced-orders",
          "o-1".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
      record.headers().add("traceparent",
          ("00-" + TRACE_ID + "-" + UPSTREAM_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
      producer.send(record).get(30, TimeUnit.SECONDS);
    }
  }
}
