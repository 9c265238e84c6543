package dev.tracebridge.tracing;

import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_TYPE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigException;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.Reply;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.message.SourcePosition;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The spans of a request route ({@code to.nats { request { } }} with {@code reply.to.kafka}): the request is a
 * CLIENT span whose context still goes out (CLIENT no longer means passthrough), the reply's send a PRODUCER span
 * under it, linked to the reply's own context; in passthrough mode both are CLIENT spans and the trace headers go
 * on as they came.
 */
class RequestSpansTest {

  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String UPSTREAM = "b7ad6b7169203331";
  private static final String SERVICE_SPAN = "c7ad6b7169203331";

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final Telemetry telemetry = Telemetry.forTesting(exporter);

  @AfterEach
  void close() {
    telemetry.close();
  }

  private RelayTracer tracer(String propagation) throws ConfigException {
    BridgeConfig config = ConfigLoader.parse("""
        bridge.routes.enrich {
          from.kafka { topics = ["orders"] }
          to.nats { subject = "enrich.{key}", request { timeout = 2s } }
          reply.to.kafka { topic = "orders-enriched" }
          dead-letter.kafka { topic = "orders.dlq" }
          tracing.propagation = %s
        }
        """.formatted(propagation), "test.conf");
    return new RelayTracer(telemetry.openTelemetry(), config, config.routes().get(0));
  }

  private static BridgeMessage record() {
    MessageHeaders headers = MessageHeaders.builder()
        .add("traceparent", "00-" + TRACE_ID + "-" + UPSTREAM + "-01").build();
    return new BridgeMessage(bytes("order"), bytes("k1"), headers, new SourcePosition.Kafka("orders", 0, 7, 0));
  }

  private static OutboundMessage reply(String topic) {
    MessageHeaders headers = MessageHeaders.builder()
        .add("traceparent", "00-" + TRACE_ID + "-" + SERVICE_SPAN + "-01").build();
    return new OutboundMessage(topic, bytes("k1"), bytes("enriched"), headers, null);
  }

  private SpanData span(String name) {
    telemetry.flush();
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(
            name + " in " + exporter.getFinishedSpanItems().stream().map(SpanData::getName).toList()));
  }

  private static String traceparent(OutboundMessage message) {
    return message.headers().firstString("traceparent").orElseThrow();
  }

  @Test
  void theRequestIsAClientSpanWhoseContextGoesOutAndTheReplyAProducerSpanUnderIt() throws Exception {
    RelaySpan spans = tracer("continue").startProcess(record());
    OutboundMessage request = spans.startSend(new OutboundMessage("enrich.k1", null, bytes("order"),
        record().headers(), null));
    spans.sendConfirmed(SendReceipt.answered("enrich.k1", new Reply(bytes("enriched"), MessageHeaders.empty())));
    OutboundMessage reply = spans.startReplySend(reply("orders-enriched"), false);
    spans.sendConfirmed(SendReceipt.kafka("orders-enriched", 1, 42));
    OutboundMessage dead = spans.startDeadLetterSend(new OutboundMessage("orders.dlq", null, bytes("order"),
        record().headers(), null));
    spans.sendConfirmed(SendReceipt.kafka("orders.dlq", 0, 1));
    spans.end();

    SpanData client = span("request enrich.{key}");
    assertEquals(SpanKind.CLIENT, client.getKind());
    assertEquals("request", client.getAttributes().get(MESSAGING_OPERATION_NAME));
    assertEquals("send", client.getAttributes().get(MESSAGING_OPERATION_TYPE));
    assertEquals("nats", client.getAttributes().get(MESSAGING_SYSTEM));
    assertEquals("00-" + TRACE_ID + "-" + client.getSpanId() + "-01", traceparent(request),
        "the service continues the request's CLIENT span");

    SpanData producer = span("send orders-enriched");
    assertEquals(SpanKind.PRODUCER, producer.getKind());
    assertEquals(client.getSpanId(), producer.getParentSpanId());
    assertEquals(TRACE_ID, producer.getTraceId());
    assertEquals(SERVICE_SPAN, producer.getLinks().get(0).getSpanContext().getSpanId(), "linked to the reply");
    assertEquals("kafka", producer.getAttributes().get(MESSAGING_SYSTEM));
    assertEquals("00-" + TRACE_ID + "-" + producer.getSpanId() + "-01", traceparent(reply));

    assertEquals(SpanKind.PRODUCER, span("send orders.dlq").getKind(), "a dead letter is a plain send");
    assertEquals("00-" + TRACE_ID + "-" + span("send orders.dlq").getSpanId() + "-01", traceparent(dead));
  }

  @Test
  void aReplyTopicChosenByTheRecordNamesTheReplySpan() throws Exception {
    RelaySpan spans = tracer("continue").startProcess(record());
    spans.startSend(new OutboundMessage("enrich.k1", null, bytes("order"), record().headers(), null));
    spans.sendConfirmed(SendReceipt.answered("enrich.k1", new Reply(bytes("x"), MessageHeaders.empty())));
    spans.startReplySend(reply("spring-replies"), true);
    spans.sendConfirmed(SendReceipt.kafka("spring-replies", 0, 3));
    spans.end();
    assertEquals("spring-replies", span("send spring-replies").getAttributes().get(MESSAGING_DESTINATION_NAME));
  }

  @Test
  void inPassthroughModeBothSendsAreClientSpansAndTheTraceHeadersGoOnAsTheyCame() throws Exception {
    RelaySpan spans = tracer("passthrough").startProcess(record());
    OutboundMessage request = spans.startSend(new OutboundMessage("enrich.k1", null, bytes("order"),
        record().headers(), null));
    spans.sendConfirmed(SendReceipt.answered("enrich.k1", new Reply(bytes("x"), MessageHeaders.empty())));
    OutboundMessage reply = spans.startReplySend(reply("orders-enriched"), false);
    spans.sendConfirmed(SendReceipt.kafka("orders-enriched", 0, 1));
    spans.end();
    assertEquals("00-" + TRACE_ID + "-" + UPSTREAM + "-01", traceparent(request));
    assertEquals("00-" + TRACE_ID + "-" + SERVICE_SPAN + "-01", traceparent(reply));
    assertEquals(SpanKind.CLIENT, span("request enrich.{key}").getKind());
    assertEquals(SpanKind.CLIENT, span("send orders-enriched").getKind());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
