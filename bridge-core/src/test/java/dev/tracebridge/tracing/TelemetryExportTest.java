package dev.tracebridge.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.tracebridge.config.AdminConfig;
import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.RetryConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.config.TracingConfig;
import dev.tracebridge.mapping.Template;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.testkit.OtlpReceiver;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Telemetry.autoConfigure against a real OTLP/HTTP receiver: what arrives, and what is dropped under load. */
class TelemetryExportTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_ID = "00f067aa0ba902b7";
  private static final MessageHeaders HEADERS = MessageHeaders.builder()
      .add("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-01")
      .add("x-app", "shop")
      .build();

  @Test
  void spansArriveOverOtlpHttpWithTheirNamesKindsTraceAndServiceName() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      BridgeConfig config = config("bridge-export-test", Map.of("otel.exporter.otlp.endpoint", receiver.endpoint()));
      try (Telemetry telemetry = Telemetry.autoConfigure(config)) {
        relay(new RelayTracer(telemetry.openTelemetry(), config, config.routes().get(0)), 1);
      }

      List<Span> spans = receiver.spans();
      assertEquals(2, spans.size(), spans::toString);
      Span process = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CONSUMER).findFirst().orElseThrow();
      Span send = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_PRODUCER).findFirst().orElseThrow();
      assertEquals("process orders", process.getName());
      assertEquals("publish orders.{key}", send.getName());
      assertEquals(TRACE_ID, hex(process.getTraceId()));
      assertEquals(TRACE_ID, hex(send.getTraceId()));
      assertEquals(PARENT_ID, hex(process.getParentSpanId()));
      assertEquals(hex(process.getSpanId()), hex(send.getParentSpanId()));
      assertEquals(PARENT_ID, hex(send.getLinks(0).getSpanId()));
      assertEquals("bridge-export-test", receiver.resourceAttributes().get("service.name"));
    }
  }

  @Test
  void aServiceNameInOtelResourceAttributesWinsOverTheConfiguredOne() {
    System.setProperty("otel.resource.attributes", "service.name=orders-bridge,deployment.environment.name=test");
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      BridgeConfig config = config("bridge-from-file", Map.of("otel.exporter.otlp.endpoint", receiver.endpoint()));
      try (Telemetry telemetry = Telemetry.autoConfigure(config)) {
        relay(new RelayTracer(telemetry.openTelemetry(), config, config.routes().get(0)), 1);
      }
      assertEquals("orders-bridge", receiver.resourceAttributes().get("service.name"));
      assertEquals("test", receiver.resourceAttributes().get("deployment.environment.name"));
    } finally {
      System.clearProperty("otel.resource.attributes");
    }
  }

  @Test
  void aBurstOfSpansIsCountedExactlyWithTheSdkDefaultsAndWithTheBridgeDefaults() {
    int messages = 100_000;
    Map<String, String> sdkDefaults = Map.of(
        Telemetry.QUEUE_SIZE, "2048", Telemetry.BATCH_SIZE, "512", Telemetry.SCHEDULE_DELAY, "5000");
    Burst withSdkDefaults = burst(messages, sdkDefaults, Duration.ZERO);
    Burst withBridgeDefaults = burst(messages, Map.of(), Duration.ZERO);
    System.out.printf("Burst of %d spans: SDK defaults dropped %d (%.1f%%) in %d ms;"
        + " bridge defaults dropped %d (%.1f%%) in %d ms%n",
        2 * messages, withSdkDefaults.dropped, 100.0 * withSdkDefaults.dropped / (2 * messages), withSdkDefaults.millis,
        withBridgeDefaults.dropped, 100.0 * withBridgeDefaults.dropped / (2 * messages), withBridgeDefaults.millis);
  }

  @Test
  void aSlowCollectorMakesSpansDropNeverTheRelayWaitAndEveryLossIsCounted() {
    Burst burst = burst(20_000, Map.of(Telemetry.QUEUE_SIZE, "1000", Telemetry.BATCH_SIZE, "500"), Duration.ofMillis(300));
    assertTrue(burst.dropped > 0, "a queue of 1000 in front of a collector answering in 300 ms must overflow");
  }

  @Test
  void spansAnUnreachableCollectorRefusesAreCountedAsFailedAndCloseStillReturns() {
    String deadEndpoint;
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      deadEndpoint = receiver.endpoint();
    }
    BridgeConfig config = config("bridge", Map.of("otel.exporter.otlp.endpoint", deadEndpoint,
        "otel.java.exporter.otlp.retry.disabled", "true"));
    Telemetry telemetry = Telemetry.autoConfigure(config);
    relay(new RelayTracer(telemetry.openTelemetry(), config, config.routes().get(0)), 10);
    telemetry.close();
    assertEquals(20, telemetry.failedSpans());
    assertEquals(0, telemetry.exportedSpans());
    assertEquals(0, telemetry.droppedSpans());
  }

  @Test
  void otelSdkDisabledRecordsNothingAndTheMessageKeepsItsTraceContext() {
    System.setProperty("otel.sdk.disabled", "true");
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      BridgeConfig config = config("bridge", Map.of("otel.exporter.otlp.endpoint", receiver.endpoint()));
      OutboundMessage sent;
      try (Telemetry telemetry = Telemetry.autoConfigure(config)) {
        sent = relay(new RelayTracer(telemetry.openTelemetry(), config, config.routes().get(0)), 1);
        assertEquals(0, telemetry.exportedSpans());
      }
      assertEquals(HEADERS.asList(), sent.headers().asList());
      assertEquals(0, receiver.requestCount());
    } finally {
      System.clearProperty("otel.sdk.disabled");
    }
  }

  /** Relays {@code messages} messages (two spans each) as fast as one thread can, then checks the counts. */
  private static Burst burst(int messages, Map<String, String> otelProperties, Duration collectorDelay) {
    try (OtlpReceiver receiver = OtlpReceiver.start(collectorDelay)) {
      Map<String, String> properties = new HashMap<>(otelProperties);
      properties.put("otel.exporter.otlp.endpoint", receiver.endpoint());
      BridgeConfig config = config("bridge-burst", properties);
      Telemetry telemetry = Telemetry.autoConfigure(config);
      long start = System.nanoTime();
      relay(new RelayTracer(telemetry.openTelemetry(), config, config.routes().get(0)), messages);
      long millis = (System.nanoTime() - start) / 1_000_000;
      telemetry.close();

      long made = 2L * messages;
      assertEquals(0, telemetry.failedSpans());
      assertEquals(receiver.spanCount(), telemetry.exportedSpans());
      assertEquals(made - receiver.spanCount(), telemetry.droppedSpans(), "dropped must be exactly what never arrived");
      return new Burst(telemetry.droppedSpans(), millis);
    }
  }

  private static OutboundMessage relay(RelayTracer tracer, int messages) {
    OutboundMessage sent = null;
    byte[] payload = "{\"order\":1}".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < messages; i++) {
      BridgeMessage message = new BridgeMessage(payload, ("k" + (i % 16)).getBytes(StandardCharsets.UTF_8), HEADERS,
          new SourcePosition.Kafka("orders", i % 16, i, 0));
      RelaySpan span = tracer.startProcess(message);
      sent = span.startSend(new OutboundMessage("orders.k" + (i % 16), null, payload, HEADERS, null));
      span.sendConfirmed(SendReceipt.nats(sent.destination()));
      span.end();
    }
    return sent;
  }

  private static BridgeConfig config(String serviceName, Map<String, String> otelProperties) {
    RouteConfig route = new RouteConfig("orders-to-nats",
        new SourceConfig.Kafka(List.of("orders"), Optional.empty(), "bridge-orders", SourceConfig.StartFrom.EARLIEST, Map.of()),
        new SinkConfig.Nats(Template.parse("orders.{key}")), RetryConfig.DEFAULT, Optional.empty(), true,
        TracingConfig.DEFAULT, InFlightConfig.DEFAULT);
    return new BridgeConfig(serviceName, AdminConfig.DEFAULT, TracingConfig.DEFAULT,
        new KafkaClusterConfig("127.0.0.1:9092", Map.of()), NatsClusterConfig.of(List.of("nats://127.0.0.1:4222")),
        otelProperties, List.of(route));
  }

  private static String hex(ByteString id) {
    return id.size() == 16
        ? TraceId.fromBytes(id.toByteArray())
        : SpanId.fromBytes(id.toByteArray());
  }

  private record Burst(long dropped, long millis) {
  }
}
