package dev.tracebridge.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The export path of the distribution itself: the launcher, configured only by OTEL_* variables,
 * sends its spans over OTLP/HTTP to a real receiver that decodes the protobuf, and the trace is one
 * piece from the Kafka producer to the NATS message.
 */
class TraceExportIT {

  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String UPSTREAM_SPAN = "b7ad6b7169203331";

  @Test
  void spansOfARelayedMessageReachAnOtlpCollectorInOneTrace() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
         NatsServers nats = NatsServers.start();
         OtlpReceiver otlp = OtlpReceiver.start();
         Connection client = Nats.connect(nats.url())) {
      kafka.createTopic("traced-orders", 1);
      Subscription sub = client.subscribe("traced.orders.>");
      client.flush(Duration.ofSeconds(5));
      Process bridge = Launcher.start("trace-export", Map.of(
              "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
              "NATS_URL", nats.url(),
              "OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint(),
              "OTEL_SERVICE_NAME", "bridge-under-test",
              "OTEL_BSP_SCHEDULE_DELAY", "200"),
          "run", "--config", Path.of("src/test/resources/traced.conf").toString());
      try {
        produce(kafka.bootstrapServers());
        Message msg = sub.nextMessage(Duration.ofSeconds(60));
        assertNotNull(msg, "relayed");
        await().atMost(Duration.ofSeconds(30)).until(() -> spansOfTrace(otlp).size() >= 2);
        List<Span> spans = spansOfTrace(otlp);
        Span process = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CONSUMER).findFirst().orElseThrow();
        Span publish = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_PRODUCER).findFirst().orElseThrow();
        assertEquals("process traced-orders", process.getName());
        assertEquals("publish traced.orders.{key}", publish.getName());
        assertEquals(UPSTREAM_SPAN, hex(process.getParentSpanId().toByteArray()));
        assertEquals(hex(process.getSpanId().toByteArray()), hex(publish.getParentSpanId().toByteArray()));
        assertEquals(UPSTREAM_SPAN, hex(process.getLinks(0).getSpanId().toByteArray()));
        assertEquals("00-" + TRACE_ID + "-" + hex(publish.getSpanId().toByteArray()) + "-01",
            msg.getHeaders().getFirst("traceparent"));
        assertEquals("bridge-under-test", otlp.resourceAttributes().get("service.name"));
      } finally {
        bridge.destroy();
        assertTrue(bridge.waitFor(30, TimeUnit.SECONDS));
      }
      assertEquals(0, bridge.exitValue());
    }
  }

  private static void produce(String bootstrap) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<byte[], byte[]> producer =
             new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("traced-orders",
          "o-1".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
      record.headers().add("traceparent", ("00-" + TRACE_ID + "-" + UPSTREAM_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
      producer.send(record).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<Span> spansOfTrace(OtlpReceiver otlp) {
    return otlp.spans().stream().filter(s -> hex(s.getTraceId().toByteArray()).equals(TRACE_ID)).toList();
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
