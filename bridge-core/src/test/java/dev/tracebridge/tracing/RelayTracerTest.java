package dev.tracebridge.tracing;

import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_CONSUMER_GROUP_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_PARTITION_ID;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_TEMPLATE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_MESSAGE_KEY;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_MESSAGE_TOMBSTONE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_OFFSET;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_BODY_SIZE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_ID;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_TYPE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_SYSTEM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.message.SourcePosition;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RelayTracerTest {

  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String PARENT_ID = "b7ad6b7169203331";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";
  // The optional space after the comma shows that tracestate is forwarded as bytes, not re-encoded.
  private static final String TRACESTATE = "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7";
  private static final BridgeConfig BRIDGE = new BridgeConfig("bridge", AdminConfig.DEFAULT, TracingConfig.DEFAULT,
      new KafkaClusterConfig("kafka-1.example:9093,kafka-2.example:9093", Map.of()),
      NatsClusterConfig.of(List.of("nats://bridge:secret@nats-1.example:4223", "nats://nats-2.example:4222")),
      Map.of(), List.of());
  private static final TracingConfig PASSTHROUGH =
      new TracingConfig(TracingConfig.Propagation.PASSTHROUGH, TracingConfig.ConsumerParent.PARENT);
  private static final TracingConfig LINK =
      new TracingConfig(TracingConfig.Propagation.CONTINUE, TracingConfig.ConsumerParent.LINK);

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private Telemetry telemetry;

  @BeforeEach
  void start() {
    telemetry = Telemetry.forTesting(exporter);
  }

  @AfterEach
  void stop() {
    telemetry.close();
  }

  @Test
  void kafkaToNatsContinuesTheTraceWithAProducerSpanAndRewritesOnlyTraceHeaders() {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(TracingConfig.DEFAULT));
    MessageHeaders headers = headers(
        "traceparent", TRACEPARENT, "tracestate", TRACESTATE, "baggage", "userId=alice",
        "retry-count", "2", "baggage", "tenant=eu%201");
    BridgeMessage message = new BridgeMessage(bytes("hello"), bytes("k1"), headers,
        new SourcePosition.Kafka("orders", 3, 1234, 1_700_000_000_000L));

    RelaySpan span = tracer.startProcess(message);
    OutboundMessage sent = span.startSend(new OutboundMessage("orders.k1", null, bytes("hello"), headers, null));
    span.sendConfirmed(SendReceipt.nats("orders.k1"));
    span.end();

    SpanData process = onlySpan(SpanKind.CONSUMER);
    SpanData publish = onlySpan(SpanKind.PRODUCER);
    assertEquals("process orders", process.getName());
    assertEquals(TRACE_ID, process.getTraceId());
    assertEquals(PARENT_ID, process.getParentSpanId());
    assertTrue(process.getParentSpanContext().isRemote());
    assertEquals("00f067aa0ba902b7", process.getSpanContext().getTraceState().get("rojo"));
    assertLinkedTo(process, TRACE_ID, PARENT_ID);
    assertEquals(Attributes.builder()
        .put(MESSAGING_SYSTEM, "kafka")
        .put(MESSAGING_OPERATION_NAME, "process")
        .put(MESSAGING_OPERATION_TYPE, "process")
        .put(MESSAGING_DESTINATION_NAME, "orders")
        .put(MESSAGING_CONSUMER_GROUP_NAME, "bridge-orders")
        .put(MESSAGING_DESTINATION_PARTITION_ID, "3")
        .put(MESSAGING_KAFKA_OFFSET, 1234L)
        .put(MESSAGING_KAFKA_MESSAGE_KEY, "k1")
        .put(MESSAGING_MESSAGE_BODY_SIZE, 5L)
        .put(ServerAttributes.SERVER_ADDRESS, "kafka-1.example")
        .put(ServerAttributes.SERVER_PORT, 9093L)
        .put(SpanAttributes.BRIDGE_ROUTE, "orders-to-nats")
        .build().asMap(), process.getAttributes().asMap());
    assertEquals(StatusCode.UNSET, process.getStatus().getStatusCode());

    assertEquals("publish orders.{key}", publish.getName());
    assertEquals(TRACE_ID, publish.getTraceId());
    assertEquals(process.getSpanId(), publish.getParentSpanId());
    assertLinkedTo(publish, TRACE_ID, PARENT_ID);
    assertEquals(Attributes.builder()
        .put(MESSAGING_SYSTEM, "nats")
        .put(MESSAGING_OPERATION_NAME, "publish")
        .put(MESSAGING_OPERATION_TYPE, "send")
        .put(MESSAGING_DESTINATION_NAME, "orders.k1")
        .put(MESSAGING_DESTINATION_TEMPLATE, "orders.{key}")
        .put(MESSAGING_MESSAGE_BODY_SIZE, 5L)
        .put(ServerAttributes.SERVER_ADDRESS, "nats-1.example")
        .put(ServerAttributes.SERVER_PORT, 4223L)
        .put(SpanAttributes.BRIDGE_ROUTE, "orders-to-nats")
        .build().asMap(), publish.getAttributes().asMap());

    // The new traceparent takes the old one's place; tracestate is the same bytes; baggage merged in place.
    assertEquals(List.of(
        Header.ofString("traceparent", "00-" + TRACE_ID + "-" + publish.getSpanId() + "-01"),
        Header.ofString("tracestate", TRACESTATE),
        Header.ofString("baggage", "userId=alice,tenant=eu%201"),
        Header.ofString("retry-count", "2")), sent.headers().asList());
    assertArrayEquals(bytes("hello"), sent.payload());
  }

  @Test
  void jetStreamToKafkaStartsATraceWhenTheMessageHasNoneAndRecordsTheAcknowledgement() {
    RouteConfig route = route("events-to-kafka",
        new SourceConfig.JetStream("EVENTS", Optional.of("events.>"), "bridge-events"),
        new SinkConfig.Kafka(Template.parse("events"), Optional.empty(), Map.of()),
        Optional.empty(), TracingConfig.DEFAULT);
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, route);
    BridgeMessage message = new BridgeMessage(bytes("{}"), null, headers("x-app", "a"),
        new SourcePosition.JetStream("events.eu.created", "EVENTS", 57, 1, 1_700_000_000_000L));

    RelaySpan span = tracer.startProcess(message);
    OutboundMessage sent = span.startSend(
        new OutboundMessage("events", bytes("eu"), bytes("{}"), message.headers(), "EVENTS-57"));
    span.sendConfirmed(SendReceipt.kafka("events", 2, 99));
    span.end();

    SpanData process = onlySpan(SpanKind.CONSUMER);
    SpanData send = onlySpan(SpanKind.PRODUCER);
    assertEquals("process events.>", process.getName());
    assertFalse(process.getParentSpanContext().isValid());
    assertTrue(process.getLinks().isEmpty());
    assertEquals(Attributes.builder()
        .put(MESSAGING_SYSTEM, "nats")
        .put(MESSAGING_OPERATION_NAME, "process")
        .put(MESSAGING_OPERATION_TYPE, "process")
        .put(MESSAGING_DESTINATION_NAME, "events.eu.created")
        .put(MESSAGING_DESTINATION_TEMPLATE, "events.>")
        .put(MESSAGING_CONSUMER_GROUP_NAME, "bridge-events")
        .put(MESSAGING_MESSAGE_ID, "57")
        .put(MESSAGING_MESSAGE_BODY_SIZE, 2L)
        .put(ServerAttributes.SERVER_ADDRESS, "nats-1.example")
        .put(ServerAttributes.SERVER_PORT, 4223L)
        .put(SpanAttributes.BRIDGE_ROUTE, "events-to-kafka")
        .build().asMap(), process.getAttributes().asMap());

    assertEquals("send events", send.getName());
    assertEquals(process.getTraceId(), send.getTraceId());
    assertEquals(process.getSpanId(), send.getParentSpanId());
    assertTrue(send.getLinks().isEmpty());
    assertEquals(Attributes.builder()
        .put(MESSAGING_SYSTEM, "kafka")
        .put(MESSAGING_OPERATION_NAME, "send")
        .put(MESSAGING_OPERATION_TYPE, "send")
        .put(MESSAGING_DESTINATION_NAME, "events")
        .put(MESSAGING_KAFKA_MESSAGE_KEY, "eu")
        .put(MESSAGING_MESSAGE_BODY_SIZE, 2L)
        .put(MESSAGING_DESTINATION_PARTITION_ID, "2")
        .put(MESSAGING_KAFKA_OFFSET, 99L)
        .put(MESSAGING_MESSAGE_ID, "events-2-99")
        .put(ServerAttributes.SERVER_ADDRESS, "kafka-1.example")
        .put(ServerAttributes.SERVER_PORT, 9093L)
        .put(SpanAttributes.BRIDGE_ROUTE, "events-to-kafka")
        .build().asMap(), send.getAttributes().asMap());
    assertEquals(List.of(Header.ofString("x-app", "a"),
            Header.ofString("traceparent", traceparentOf(send))),
        sent.headers().asList());
  }

  @Test
  void coreNatsSourceToJetStreamNamesTheSubscribedSubjectAndTheDeduplicationId() {
    RouteConfig route = route("nats-to-js", new SourceConfig.Nats("metrics.*", Optional.of("bridges")),
        new SinkConfig.JetStream(Template.parse("archive.{subject}")), Optional.empty(), TracingConfig.DEFAULT);
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, route);
    BridgeMessage message = new BridgeMessage(bytes("1"), null, MessageHeaders.empty(),
        new SourcePosition.Nats("metrics.cpu", 7));

    RelaySpan span = tracer.startProcess(message);
    span.startSend(new OutboundMessage("archive.metrics.cpu", null, bytes("1"), MessageHeaders.empty(), "nats-metrics.cpu-7"));
    span.sendConfirmed(SendReceipt.jetStream("archive.metrics.cpu", 12, "nats-metrics.cpu-7", true));
    span.end();

    SpanData process = onlySpan(SpanKind.CONSUMER);
    SpanData publish = onlySpan(SpanKind.PRODUCER);
    assertEquals("process metrics.*", process.getName());
    assertEquals("bridges", process.getAttributes().get(MESSAGING_CONSUMER_GROUP_NAME));
    assertEquals("metrics.*", process.getAttributes().get(MESSAGING_DESTINATION_TEMPLATE));
    assertEquals("metrics.cpu", process.getAttributes().get(MESSAGING_DESTINATION_NAME));
    assertEquals("publish archive.{subject}", publish.getName());
    assertEquals("nats-metrics.cpu-7", publish.getAttributes().get(MESSAGING_MESSAGE_ID));
    assertEquals(true, publish.getAttributes().get(SpanAttributes.BRIDGE_DUPLICATE));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",     // bad length
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // version ff
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",    // upper-case hex
      "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01",    // upper-case hex in the span id
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",    // all-zero trace id
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",    // all-zero span id
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",  // version 00 with trailing data
      "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",    // wrong delimiters
      ""})
  void anInvalidTraceparentStartsANewTraceWithoutLinkAndDropsItsTracestate(String invalid) {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(TracingConfig.DEFAULT));
    MessageHeaders headers = headers("traceparent", invalid, "tracestate", TRACESTATE, "x-keep", "1");
    OutboundMessage sent = relayToNats(tracer, headers);

    SpanData process = onlySpan(SpanKind.CONSUMER);
    SpanData publish = onlySpan(SpanKind.PRODUCER);
    assertFalse(process.getParentSpanContext().isValid());
    assertTrue(process.getLinks().isEmpty());
    assertTrue(publish.getLinks().isEmpty());
    assertTrue(process.getSpanContext().getTraceState().isEmpty());
    assertNotEquals(TRACE_ID, process.getTraceId());
    assertEquals(process.getSpanId(), publish.getParentSpanId());
    assertEquals(List.of(
        Header.ofString("traceparent", traceparentOf(publish)),
        Header.ofString("x-keep", "1")), sent.headers().asList());
  }

  @Test
  void passthroughForwardsTraceparentAndTracestateByteForByteAndRecordsAClientSpan() {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(PASSTHROUGH));
    MessageHeaders headers = headers("tracestate", "a=1", "traceparent", TRACEPARENT, "tracestate", "b=2",
        "baggage", "k=v", "traceparent", "garbage");
    OutboundMessage sent = relayToNats(tracer, headers);

    SpanData process = onlySpan(SpanKind.CONSUMER);
    SpanData send = onlySpan(SpanKind.CLIENT);
    assertEquals(PARENT_ID, process.getParentSpanId());
    assertEquals(process.getSpanId(), send.getParentSpanId());
    assertLinkedTo(send, TRACE_ID, PARENT_ID);
    assertEquals("publish orders.{key}", send.getName());
    assertEquals(headers.asList(), sent.headers().asList());
  }

  @Test
  void passthroughForwardsAnInvalidTraceparentUnchanged() {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(PASSTHROUGH));
    MessageHeaders headers = headers("traceparent", "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "tracestate", TRACESTATE);
    OutboundMessage sent = relayToNats(tracer, headers);

    assertFalse(onlySpan(SpanKind.CONSUMER).getParentSpanContext().isValid());
    assertEquals(headers.asList(), sent.headers().asList());
  }

  @Test
  void linkModeStartsANewTraceThatOnlyLinksToTheCreationContextAndDropsTracestate() {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(LINK));
    MessageHeaders headers = headers("traceparent", TRACEPARENT, "tracestate", TRACESTATE);
    OutboundMessage sent = relayToNats(tracer, headers);

    SpanData process = onlySpan(SpanKind.CONSUMER);
    SpanData publish = onlySpan(SpanKind.PRODUCER);
    assertFalse(process.getParentSpanContext().isValid());
    assertNotEquals(TRACE_ID, process.getTraceId());
    assertLinkedTo(process, TRACE_ID, PARENT_ID);
    assertEquals(TRACESTATE.split(",")[0].split("=")[1],
        process.getLinks().get(0).getSpanContext().getTraceState().get("congo"));
    assertEquals(process.getSpanId(), publish.getParentSpanId());
    assertEquals(process.getTraceId(), publish.getTraceId());
    assertLinkedTo(publish, TRACE_ID, PARENT_ID);
    assertEquals(List.of(Header.ofString("traceparent", traceparentOf(publish))),
        sent.headers().asList());
  }

  @Test
  void aFailedAttemptIsAnErrorOnlyOnItsSendSpanWhenTheRetrySucceeds() {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(TracingConfig.DEFAULT));
    MessageHeaders headers = headers("traceparent", TRACEPARENT);
    BridgeMessage message = new BridgeMessage(bytes("m"), null, headers, new SourcePosition.Kafka("orders", 0, 1, 0));
    OutboundMessage outbound = new OutboundMessage("orders.x", null, bytes("m"), headers, null);

    RelaySpan span = tracer.startProcess(message);
    OutboundMessage first = span.startSend(outbound);
    span.sendFailed(new CompletionException(new TimeoutException("no answer in 5 s")));
    OutboundMessage second = span.startSend(outbound);
    span.sendConfirmed(SendReceipt.nats("orders.x"));
    span.end();

    telemetry.flush();
    List<SpanData> sends = spans(SpanKind.PRODUCER);
    assertEquals(2, sends.size());
    SpanData failed = sends.get(0);
    SpanData succeeded = sends.get(1);
    assertEquals(StatusCode.ERROR, failed.getStatus().getStatusCode());
    assertEquals("no answer in 5 s", failed.getStatus().getDescription());
    assertEquals(TimeoutException.class.getName(), failed.getAttributes().get(ErrorAttributes.ERROR_TYPE));
    assertEquals(StatusCode.UNSET, succeeded.getStatus().getStatusCode());
    assertEquals(StatusCode.UNSET, onlySpan(SpanKind.CONSUMER).getStatus().getStatusCode());
    // Each attempt carries its own send span's context.
    assertEquals(traceparentOf(failed), first.headers().firstString("traceparent").orElseThrow());
    assertEquals(traceparentOf(succeeded), second.headers().firstString("traceparent").orElseThrow());
  }

  @Test
  void aDeadLetteredMessageGetsItsOwnSendSpanAndAnErrorOnTheConsumerSpan() {
    RouteConfig route = route("orders-to-nats",
        new SourceConfig.Kafka(List.of("orders"), Optional.empty(), "bridge-orders", SourceConfig.StartFrom.EARLIEST, Map.of()),
        new SinkConfig.Nats(Template.parse("orders.{key}")),
        Optional.of(new SinkConfig.Kafka(Template.parse("orders.dlq"), Optional.empty(), Map.of())),
        TracingConfig.DEFAULT);
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, route);
    MessageHeaders headers = headers("traceparent", TRACEPARENT);
    // A binary key and a null value: no key attribute (not text), tombstone marked.
    byte[] binaryKey = {(byte) 0xff, 0, 1};
    BridgeMessage message = new BridgeMessage(null, binaryKey, headers, new SourcePosition.Kafka("orders", 1, 5, 0));

    RelaySpan span = tracer.startProcess(message);
    span.startSend(new OutboundMessage("orders.x", binaryKey, null, headers, null));
    span.sendFailed(new IllegalArgumentException("header value not allowed in NATS"));
    OutboundMessage dead = span.startDeadLetterSend(new OutboundMessage("orders.dlq", binaryKey, null, headers, null));
    span.sendConfirmed(SendReceipt.kafka("orders.dlq", 0, 8));
    span.endFailed(new IllegalArgumentException("header value not allowed in NATS"));

    SpanData process = onlySpan(SpanKind.CONSUMER);
    assertEquals(StatusCode.ERROR, process.getStatus().getStatusCode());
    assertEquals(IllegalArgumentException.class.getName(), process.getAttributes().get(ErrorAttributes.ERROR_TYPE));
    assertEquals(true, process.getAttributes().get(MESSAGING_KAFKA_MESSAGE_TOMBSTONE));
    assertEquals(null, process.getAttributes().get(MESSAGING_KAFKA_MESSAGE_KEY));
    assertEquals(0L, process.getAttributes().get(MESSAGING_MESSAGE_BODY_SIZE));

    SpanData dlq = spans(SpanKind.PRODUCER).stream().filter(s -> s.getName().equals("send orders.dlq")).findFirst().orElseThrow();
    assertEquals(process.getSpanId(), dlq.getParentSpanId());
    assertLinkedTo(dlq, TRACE_ID, PARENT_ID);
    assertEquals(StatusCode.UNSET, dlq.getStatus().getStatusCode());
    assertEquals(Attributes.builder()
        .put(MESSAGING_SYSTEM, "kafka")
        .put(MESSAGING_OPERATION_NAME, "send")
        .put(MESSAGING_OPERATION_TYPE, "send")
        .put(MESSAGING_DESTINATION_NAME, "orders.dlq")
        .put(MESSAGING_KAFKA_MESSAGE_TOMBSTONE, true)
        .put(MESSAGING_MESSAGE_BODY_SIZE, 0L)
        .put(MESSAGING_DESTINATION_PARTITION_ID, "0")
        .put(MESSAGING_KAFKA_OFFSET, 8L)
        .put(MESSAGING_MESSAGE_ID, "orders.dlq-0-8")
        .put(ServerAttributes.SERVER_ADDRESS, "kafka-1.example")
        .put(ServerAttributes.SERVER_PORT, 9093L)
        .put(SpanAttributes.BRIDGE_ROUTE, "orders-to-nats")
        .build().asMap(), dlq.getAttributes().asMap());
    assertEquals(traceparentOf(dlq), dead.headers().firstString("traceparent").orElseThrow());
  }

  @Test
  void anUnsampledCreationContextStaysUnsampledAndStillGetsANewSpanId() {
    RelayTracer tracer = new RelayTracer(telemetry.openTelemetry(), BRIDGE, kafkaToNats(TracingConfig.DEFAULT));
    String unsampled = "00-" + TRACE_ID + "-" + PARENT_ID + "-00";
    MessageHeaders headers = headers("traceparent", unsampled);
    OutboundMessage sent = relayToNats(tracer, headers);

    telemetry.flush();
    assertTrue(exporter.getFinishedSpanItems().isEmpty());
    String out = sent.headers().firstString("traceparent").orElseThrow();
    assertTrue(out.startsWith("00-" + TRACE_ID + "-") && out.endsWith("-00"), out);
    assertNotEquals(unsampled, out);
  }

  // --- helpers

  private static RouteConfig kafkaToNats(TracingConfig tracing) {
    return route("orders-to-nats",
        new SourceConfig.Kafka(List.of("orders"), Optional.empty(), "bridge-orders", SourceConfig.StartFrom.EARLIEST, Map.of()),
        new SinkConfig.Nats(Template.parse("orders.{key}")), Optional.empty(), tracing);
  }

  private static RouteConfig route(String name, SourceConfig from, SinkConfig to, Optional<SinkConfig> deadLetter,
                                   TracingConfig tracing) {
    return new RouteConfig(name, from, to, RetryConfig.DEFAULT, deadLetter, true, tracing, InFlightConfig.DEFAULT);
  }

  private static MessageHeaders headers(String... namesAndValues) {
    MessageHeaders.Builder builder = MessageHeaders.builder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      builder.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return builder.build();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The traceparent of a span: its flags are 01 (sampled) or, for a trace the SDK started, 03 (sampled, random id). */
  private static String traceparentOf(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex();
  }

  private List<SpanData> spans(SpanKind kind) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
  }

  private SpanData onlySpan(SpanKind kind) {
    telemetry.flush();
    List<SpanData> spans = spans(kind);
    assertEquals(1, spans.size(), () -> "spans of kind " + kind + ": " + exporter.getFinishedSpanItems());
    return spans.get(0);
  }

  private static void assertLinkedTo(SpanData span, String traceId, String spanId) {
    assertEquals(1, span.getLinks().size(), () -> "links of " + span.getName());
    LinkData link = span.getLinks().get(0);
    SpanContext linked = link.getSpanContext();
    assertEquals(traceId, linked.getTraceId());
    assertEquals(spanId, linked.getSpanId());
    assertTrue(link.getAttributes().isEmpty());
  }

  /** Relays one Kafka record with these headers to NATS through the tracer; returns what was sent. */
  private static OutboundMessage relayToNats(RelayTracer tracer, MessageHeaders headers) {
    BridgeMessage message = new BridgeMessage(bytes("m"), null, headers, new SourcePosition.Kafka("orders", 0, 1, 0));
    RelaySpan span = tracer.startProcess(message);
    OutboundMessage sent = span.startSend(new OutboundMessage("orders.x", null, bytes("m"), headers, null));
    span.sendConfirmed(SendReceipt.nats("orders.x"));
    span.end();
    return sent;
  }
}
