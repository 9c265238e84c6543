package dev.tracebridge.reply;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.runtime.Bridge;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.KafkaReplyService;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The whole round trip is one trace, as an OTLP collector receives it: the NATS requester's span, the
 * bridge's CONSUMER and PRODUCER spans of the request, the Kafka service's spans, and the bridge's CONSUMER
 * and PRODUCER spans of the answer, each the child of the one before.
 */
class RequestReplyTraceTest {

  @Test
  void requesterBridgeServiceAndAnswerAreOneTrace() throws Exception {
    String id = "rt" + UUID.randomUUID().toString().substring(0, 8);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
         NatsServers nats = NatsServers.start();
         OtlpReceiver receiver = OtlpReceiver.start();
         SdkTracerProvider requesterSdk = sdk("requester", receiver);
         SdkTracerProvider serviceSdk = sdk("quote-service", receiver)) {
      kafka.createTopic(id + "-requests", 1);
      kafka.createTopic(id + "-answers", 2);
      BridgeConfig config = NatsRequestKafkaReplyTest.config(id, kafka.bootstrapServers(), nats.url(),
          "otel { exporter.otlp.endpoint = \"" + receiver.endpoint() + "\" }");
      Message answer;
      String requestSpanId;
      String traceId;
      try (Telemetry telemetry = Telemetry.autoConfigure(config);
           Bridge bridge = Bridge.start(config, telemetry);
           KafkaReplyService service = QuoteService.start(kafka.bootstrapServers(), id + "-requests",
               serviceSdk.get("quote-service"), payload -> false);
           Connection client = Nats.connect(nats.url())) {
        NatsRequestKafkaReplyTest.awaitRelaying(kafka.bootstrapServers(), id, 2, bridge);

        io.opentelemetry.api.trace.Span request = requesterSdk.get("requester")
            .spanBuilder("request " + id + ".get.eur").setSpanKind(SpanKind.CLIENT).startSpan();
        Headers headers = new Headers();
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(request), headers, Headers::put);
        answer = client.request(id + ".get.eur", headers, "EUR".getBytes(UTF_8), Duration.ofSeconds(20));
        request.end();
        requestSpanId = request.getSpanContext().getSpanId();
        traceId = request.getSpanContext().getTraceId();
        assertNotNull(answer);
        assertEquals("answer:EUR", new String(answer.getData(), UTF_8));
      }

      List<Span> trace = await().atMost(Duration.ofSeconds(20)).until(
          () -> receiver.spans().stream().filter(s -> hex(s.getTraceId()).equals(traceId)).toList(),
          spans -> spans.size() >= 7);
      assertEquals(7, trace.size(), trace::toString);
      Span requester = named(trace, "request " + id + ".get.eur", Span.SpanKind.SPAN_KIND_CLIENT);
      Span bridgeIn = named(trace, "process " + id + ".get.>", Span.SpanKind.SPAN_KIND_CONSUMER);
      Span bridgeOut = named(trace, "send " + id + "-requests", Span.SpanKind.SPAN_KIND_PRODUCER);
      Span serviceIn = named(trace, "process " + id + "-requests", Span.SpanKind.SPAN_KIND_CONSUMER);
      Span serviceOut = named(trace, "send " + id + "-answers", Span.SpanKind.SPAN_KIND_PRODUCER);
      Span answerIn = named(trace, "process " + id + "-answers", Span.SpanKind.SPAN_KIND_CONSUMER);
      Span answerOut = named(trace, "publish", Span.SpanKind.SPAN_KIND_PRODUCER);
      assertEquals(requestSpanId, hex(requester.getSpanId()));
      assertParent(requester, bridgeIn);
      assertParent(bridgeIn, bridgeOut);
      assertParent(bridgeOut, serviceIn);
      assertParent(serviceIn, serviceOut);
      assertParent(serviceOut, answerIn);
      assertParent(answerIn, answerOut);

      String inbox = attribute(answerOut, "messaging.destination.name").orElseThrow();
      assertEquals(inbox, answer.getSubject(), "the answer went to the requester's reply subject");
      assertEquals("true", attribute(answerOut, "messaging.destination.temporary").orElseThrow());
      assertEquals("true", attribute(answerOut, "messaging.destination.anonymous").orElseThrow());
      assertEquals("nats:" + inbox, attribute(answerOut, "messaging.message.conversation_id").orElseThrow());
      assertEquals(Optional.of(id + "-replies"), attribute(answerOut, "bridge.route"));
      assertEquals(Optional.of("bridge-" + id + "-replies"), attribute(answerIn, "messaging.consumer.group.name"));
      // the requester receives the context of the bridge's last span, to continue the trace with
      assertEquals("00-" + traceId + "-" + hex(answerOut.getSpanId()),
          answer.getHeaders().getFirst("traceparent").substring(0, 52));
      assertFalse(answer.getHeaders().containsKey("kafka_replyTopic"));
    }
  }

  private static SdkTracerProvider sdk(String serviceName, OtlpReceiver receiver) {
    return SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("service.name"),
            serviceName)))
        .addSpanProcessor(SimpleSpanProcessor.create(
            OtlpHttpSpanExporter.builder().setEndpoint(receiver.endpoint() + "/v1/traces").build()))
        .build();
  }

  private static Span named(List<Span> spans, String name, Span.SpanKind kind) {
    List<Span> found = spans.stream().filter(s -> s.getName().equals(name) && s.getKind() == kind).toList();
    assertEquals(1, found.size(), () -> name + " " + kind + " in " + spans.stream().map(Span::getName).toList());
    return found.get(0);
  }

  private static void assertParent(Span parent, Span child) {
    assertEquals(hex(parent.getSpanId()), hex(child.getParentSpanId()),
        () -> child.getName() + " must be the child of " + parent.getName());
  }

  private static Optional<String> attribute(Span span, String key) {
    return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).findFirst()
        .map(RequestReplyTraceTest::text);
  }

  private static String text(KeyValue kv) {
    return switch (kv.getValue().getValueCase()) {
      case STRING_VALUE -> kv.getValue().getStringValue();
      case BOOL_VALUE -> Boolean.toString(kv.getValue().getBoolValue());
      case INT_VALUE -> Long.toString(kv.getValue().getIntValue());
      default -> kv.getValue().toString();
    };
  }

  private static String hex(ByteString id) {
    return id.size() == 16 ? TraceId.fromBytes(id.toByteArray()) : SpanId.fromBytes(id.toByteArray());
  }
}
