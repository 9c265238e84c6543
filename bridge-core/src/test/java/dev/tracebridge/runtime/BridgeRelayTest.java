package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.nats.NatsHeaderCodec;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bridge end to end, in process, against a real KRaft Kafka broker and a real nats-server with
 * JetStream: all four directions, byte-exact messages, a Kafka → JetStream → Kafka round trip, the
 * spans of every hop, dead letters, a route that stops instead of dropping, and a start while NATS is down.
 */
class BridgeRelayTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String UPSTREAM_SPAN = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + UPSTREAM_SPAN + "-01";

  private static EmbeddedKafka kafka;
  private static NatsServers nats;
  private static Connection natsClient;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
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

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private Bridge start(String routes) throws Exception {
    return start(routes, kafka.bootstrapServers(), nats.url());
  }

  private Bridge start(String routes, String kafkaBootstrap, String natsUrl) throws Exception {
    BridgeConfig config = ConfigLoader.parse("""
        bridge {
          admin.port = 0
          kafka.bootstrap-servers = "%s"
          kafka.properties { "metadata.max.age.ms" = 1000 }
          nats.servers = ["%s"]
          routes { %s }
        }
        """.formatted(kafkaBootstrap, natsUrl, routes), "test.conf");
    Telemetry telemetry = Telemetry.forTesting(spans);
    running.add(telemetry);
    Bridge bridge = Bridge.start(config, telemetry);
    running.add(bridge);
    return bridge;
  }

  private static void awaitRunning(Bridge bridge) {
    await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);
  }

  /** Headers a user's producer sets: trace context, retries, and everything NATS cannot carry as it is. */
  private static List<Header> trickyHeaders() {
    return List.of(
        Header.ofString("traceparent", TRACEPARENT),
        Header.ofString("tracestate", "vendor=abc,other=x"),
        Header.ofString("baggage", "tenant=acme"),
        Header.ofString("baggage", "user=42"),
        Header.ofString("retry-count", "3"),
        Header.ofString("kafka_dlt-original-topic", "orders"),
        new Header("binary", new byte[] {0, (byte) 0xff, 0x10, '\r', '\n'}),
        new Header("null-value", null),
        new Header("empty-value", new byte[0]),
        Header.ofString("spaced", "  padded\t "),
        Header.ofString("multi", "first"),
        Header.ofString("multi", "second"),
        Header.ofString("multi", "third"),
        Header.ofString("ünïcode name", "välue"),
        Header.ofString("colon:name", "x"));
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, byte[] key, byte[] value, List<Header> headers) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, key, value);
    headers.forEach(h -> r.headers().add(new RecordHeader(h.name(), h.value())));
    return r;
  }

  private static MessageHeaders headersOf(ConsumerRecord<byte[], byte[]> record) {
    MessageHeaders.Builder b = MessageHeaders.builder();
    record.headers().forEach(h -> b.add(h.key(), h.value()));
    return b.build();
  }

  /** Every value of every original header name arrived, in order; trace headers are checked separately. */
  private static void assertCarriesAll(List<Header> original, MessageHeaders arrived) {
    Set<String> names = new LinkedHashSet<>();
    original.forEach(h -> names.add(h.name()));
    names.removeAll(Set.of("traceparent", "baggage"));
    for (String name : names) {
      assertEquals(original.stream().filter(h -> h.name().equals(name)).toList(), arrived.all(name), name);
    }
  }

  private List<SpanData> awaitSpans(String traceId, int count) {
    await().atMost(Duration.ofSeconds(30))
        .until(() -> spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).count() >= count);
    return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
  }

  private static SpanData span(List<SpanData> spans, SpanKind kind, String name) {
    return spans.stream().filter(s -> s.getKind() == kind && s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " span '" + name + "' in " + spans));
  }

  private static String attr(SpanData span, String key) {
    Object value = span.getAttributes().get(AttributeKey.stringKey(key));
    return value == null ? null : value.toString();
  }

  @Test
  void kafkaToNatsCarriesEveryHeaderByteExactAndContinuesTheTrace() throws Exception {
    String topic = unique("k2n");
    kafka.createTopic(topic, 1);
    Bridge bridge = start("k2n { from.kafka { topics = [\"%s\"] }, to.nats { subject = \"%s.{key}\" } }".formatted(topic, topic));
    Subscription sub = natsClient.subscribe(topic + ".>");
    natsClient.flush(Duration.ofSeconds(5));
    awaitRunning(bridge);

    byte[] payload = {0, 1, 2, (byte) 0xff, '\n'};
    TestClients.produce(kafka.bootstrapServers(), List.of(record(topic, "order-7".getBytes(UTF_8), payload, trickyHeaders())));

    Message msg = sub.nextMessage(Duration.ofSeconds(30));
    assertNotNull(msg, "relayed to NATS");
    assertEquals(topic + ".order-7", msg.getSubject());
    assertArrayEquals(payload, msg.getData());
    MessageHeaders arrived = NatsHeaderCodec.decode(msg.getHeaders());
    assertCarriesAll(trickyHeaders(), arrived);
    assertEquals(List.of(Header.ofString("baggage", "tenant=acme,user=42")), arrived.all("baggage"));
    assertEquals(topic, arrived.firstString("bridge-kafka-topic").orElseThrow());
    assertEquals("0", arrived.firstString("bridge-kafka-partition").orElseThrow());
    assertEquals("0", arrived.firstString("bridge-kafka-offset").orElseThrow());
    assertEquals("order-7", arrived.firstString("bridge-kafka-key").orElseThrow());

    List<SpanData> trace = awaitSpans(TRACE_ID, 2);
    SpanData process = span(trace, SpanKind.CONSUMER, "process " + topic);
    SpanData publish = span(trace, SpanKind.PRODUCER, "publish " + topic + ".{key}");
    assertEquals(UPSTREAM_SPAN, process.getParentSpanId(), "CONSUMER span continues the producer's trace");
    assertEquals(UPSTREAM_SPAN, process.getLinks().get(0).getSpanContext().getSpanId());
    assertEquals(process.getSpanId(), publish.getParentSpanId());
    assertEquals(UPSTREAM_SPAN, publish.getLinks().get(0).getSpanContext().getSpanId());
    assertEquals("00-" + TRACE_ID + "-" + publish.getSpanId() + "-01", arrived.firstString("traceparent").orElseThrow(),
        "the outgoing traceparent is the PRODUCER span's");
    assertEquals(List.of(arrived.first("traceparent").orElseThrow()), arrived.all("traceparent"));
    assertEquals("vendor=abc,other=x", arrived.firstString("tracestate").orElseThrow());
    assertEquals("kafka", attr(process, "messaging.system"));
    assertEquals("nats", attr(publish, "messaging.system"));
    assertEquals(topic + ".order-7", attr(publish, "messaging.destination.name"));
    assertEquals("k2n", attr(process, "bridge.route"));
    assertEquals("k2n", attr(publish, "bridge.route"));
    assertEquals(1, bridge.route("k2n").orElseThrow().metrics().producedCount());
  }

  @Test
  void kafkaToJetStreamToKafkaRoundTripReturnsTheOriginalRecords() throws Exception {
    String in = unique("rt-in");
    String out = unique("rt-out");
    String stream = unique("RT").replace('-', '_');
    kafka.createTopic(in, 1);
    kafka.createTopic(out, 1);
    JetStreamManagement jsm = natsClient.jetStreamManagement();
    jsm.addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".>").build());
    Bridge bridge = start("""
        there { from.kafka { topics = ["%s"] }, to.jetstream { subject = "%s.{partition}" } }
        back { from.jetstream { stream = "%s" }, to.kafka { topic = "%s" } }
        """.formatted(in, stream, stream, out));
    awaitRunning(bridge);

    List<ProducerRecord<byte[], byte[]>> originals = List.of(
        record(in, "k1".getBytes(UTF_8), "v1".getBytes(UTF_8), trickyHeaders()),
        record(in, null, new byte[0], List.of(Header.ofString("only", "empty value, no key"))),
        record(in, "k3".getBytes(UTF_8), null, List.of(Header.ofString("only", "tombstone"))),
        record(in, new byte[] {0, (byte) 0xfe}, new byte[] {(byte) 0x80}, List.of(new Header("n", null))));
    TestClients.produce(kafka.bootstrapServers(), originals);

    List<ConsumerRecord<byte[], byte[]>> back = TestClients.consume(kafka.bootstrapServers(), out, originals.size());
    assertEquals(originals.size(), back.size());
    for (int i = 0; i < originals.size(); i++) {
      ProducerRecord<byte[], byte[]> original = originals.get(i);
      ConsumerRecord<byte[], byte[]> copy = back.get(i);
      assertArrayEquals(original.key(), copy.key(), "key of record " + i);
      assertArrayEquals(original.value(), copy.value(), "value of record " + i + " (null stays null, empty stays empty)");
      List<Header> originalHeaders = new ArrayList<>();
      original.headers().forEach(h -> originalHeaders.add(new Header(h.key(), h.value())));
      MessageHeaders copied = headersOf(copy);
      assertCarriesAll(originalHeaders, copied);
      assertTrue(copied.asList().stream().noneMatch(h -> h.name().startsWith("bridge-kafka-")),
          "the first hop's provenance is replaced: " + copied);
      assertEquals(stream, copied.firstString("bridge-nats-stream").orElseThrow());
      assertEquals(Integer.toString(i + 1), copied.firstString("bridge-nats-sequence").orElseThrow());
    }
    Headers stored = jsm.getMessage(stream, 1).getHeaders();
    assertEquals(in + "-0-0", stored.getFirst("Nats-Msg-Id"), "JetStream publish deduplicates by source position");

    List<SpanData> trace = awaitSpans(TRACE_ID, 4);
    SpanData firstProcess = span(trace, SpanKind.CONSUMER, "process " + in);
    SpanData publish = span(trace, SpanKind.PRODUCER, "publish " + stream + ".{partition}");
    SpanData secondProcess = trace.stream().filter(s -> s.getKind() == SpanKind.CONSUMER && s != firstProcess)
        .findFirst().orElseThrow();
    SpanData send = span(trace, SpanKind.PRODUCER, "send " + out);
    assertEquals(UPSTREAM_SPAN, firstProcess.getParentSpanId());
    assertEquals(firstProcess.getSpanId(), publish.getParentSpanId());
    assertEquals(publish.getSpanId(), secondProcess.getParentSpanId(), "the second hop continues the first hop's trace");
    assertEquals(secondProcess.getSpanId(), send.getParentSpanId());
    assertEquals("00-" + TRACE_ID + "-" + send.getSpanId() + "-01",
        headersOf(back.get(0)).firstString("traceparent").orElseThrow());
  }

  @Test
  void natsCoreToKafkaKeepsOrderPerKeyAndUsesTheKeyHeader() throws Exception {
    String subject = unique("n2k");
    String topic = unique("n2k-out");
    kafka.createTopic(topic, 3);
    Bridge bridge = start("n2k { from.nats { subject = \"%s.>\" }, to.kafka { topic = \"%s\" } }".formatted(subject, topic));
    awaitRunning(bridge);

    int count = 500;
    for (int i = 0; i < count; i++) {
      Headers h = new Headers().add("bridge-kafka-key", "customer-9").add("seq", Integer.toString(i));
      natsClient.publish(subject + ".created", h, ("event-" + i).getBytes(UTF_8));
    }
    natsClient.flush(Duration.ofSeconds(5));

    List<ConsumerRecord<byte[], byte[]>> records = TestClients.consume(kafka.bootstrapServers(), topic, count);
    assertEquals(count, records.size());
    assertEquals(1, records.stream().map(ConsumerRecord::partition).distinct().count(), "one key, one partition");
    for (int i = 0; i < count; i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      assertEquals("event-" + i, new String(r.value(), UTF_8), "order kept");
      assertEquals("customer-9", new String(r.key(), UTF_8));
      assertEquals(subject + ".created", headersOf(r).firstString("bridge-nats-subject").orElseThrow());
      assertFalse(headersOf(r).contains("bridge-kafka-key"));
    }
  }

  @Test
  void aMessageThatCannotBeDeliveredGoesToTheDeadLetterWithTheReason() throws Exception {
    String topic = unique("dl");
    String dlq = unique("dl-dlq");
    kafka.createTopic(topic, 1);
    kafka.createTopic(dlq, 1);
    Bridge bridge = start("""
        dl {
          from.kafka { topics = ["%s"] }
          to.nats { subject = "%s.{header:tenant}" }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(topic, topic, dlq));
    Subscription sub = natsClient.subscribe(topic + ".>");
    natsClient.flush(Duration.ofSeconds(5));
    awaitRunning(bridge);

    TestClients.produce(kafka.bootstrapServers(), List.of(
        record(topic, null, "no tenant".getBytes(UTF_8), List.of(Header.ofString("retry-count", "1"))),
        record(topic, null, "tenant".getBytes(UTF_8), List.of(Header.ofString("tenant", "acme")))));

    Message ok = sub.nextMessage(Duration.ofSeconds(30));
    assertEquals(topic + ".acme", ok.getSubject());
    ConsumerRecord<byte[], byte[]> dead = TestClients.consume(kafka.bootstrapServers(), dlq, 1).get(0);
    assertArrayEquals("no tenant".getBytes(UTF_8), dead.value());
    MessageHeaders h = headersOf(dead);
    assertEquals("1", h.firstString("retry-count").orElseThrow());
    assertTrue(h.firstString("bridge-dlq-reason").orElseThrow().contains("tenant"), h.toString());
    assertEquals("dev.tracebridge.mapping.MappingException", h.firstString("bridge-dlq-error").orElseThrow());
    assertEquals("dl", h.firstString("bridge-dlq-route").orElseThrow());
    assertEquals("kafka://" + topic + "/0@0", h.firstString("bridge-dlq-source").orElseThrow());
    assertEquals("1", h.firstString("bridge-dlq-attempts").orElseThrow());
    await().atMost(Duration.ofSeconds(10)).until(() -> bridge.route("dl").orElseThrow().metrics().deadLetteredCount() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
        .anyMatch(s -> s.getKind() == SpanKind.CONSUMER && s.getStatus().getStatusCode() == StatusCode.ERROR));
    assertTrue(bridge.isReady(), "a dead-lettered message does not stop the route");
  }

  @Test
  void aFailedSendIsRetriedAndItsLaterSuccessIsNotAnError() throws Exception {
    String topic = unique("retry");
    String stream = unique("RETRY").replace('-', '_');
    kafka.createTopic(topic, 1);
    Bridge bridge = start("""
        retrying {
          from.kafka { topics = ["%s"] }
          to.jetstream { subject = "%s.in" }
          retry { max-attempts = 1, initial-backoff = 50ms, max-backoff = 200ms }
        }
        """.formatted(topic, stream));
    awaitRunning(bridge);
    TestClients.produce(kafka.bootstrapServers(), List.of(record(topic, null, "later".getBytes(UTF_8),
        List.of(Header.ofString("traceparent", TRACEPARENT)))));
    // No stream captures the subject yet: JetStream answers "no responders", a transient error that is
    // retried for as long as it lasts (max-attempts = 1 does not apply) and never dead-letters.
    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.route("retrying").orElseThrow().metrics().retriedCount() >= 3);
    JetStreamManagement jsm = natsClient.jetStreamManagement();
    jsm.addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".>").build());

    await().atMost(Duration.ofSeconds(30)).until(() -> jsm.getStreamInfo(stream).getStreamState().getMsgCount() == 1);
    assertArrayEquals("later".getBytes(UTF_8), jsm.getMessage(stream, 1).getData());
    // The CONSUMER span ends when the message is settled, after the successful send span: wait for it
    // by name, not for any three spans of the trace (the failed attempts' send spans come first).
    await().atMost(Duration.ofSeconds(30)).until(() -> spans.getFinishedSpanItems().stream()
        .anyMatch(s -> s.getKind() == SpanKind.CONSUMER && s.getName().equals("process " + topic)));
    List<SpanData> trace = awaitSpans(TRACE_ID, 3);
    SpanData process = span(trace, SpanKind.CONSUMER, "process " + topic);
    assertEquals(StatusCode.UNSET, process.getStatus().getStatusCode(), "a retry that later succeeded is not an error");
    assertTrue(trace.stream()
            .anyMatch(s -> s.getKind() == SpanKind.PRODUCER && s.getStatus().getStatusCode() == StatusCode.ERROR),
        "the failed attempt's send span says so");
    assertTrue(bridge.isReady());
  }

  @Test
  void aMessageTheDestinationRefusesIsDeadLetteredAtOnceWithItsReason() throws Exception {
    String topic = unique("refused");
    String dlq = unique("refused-dlq");
    String stream = unique("SMALL").replace('-', '_');
    kafka.createTopic(topic, 1);
    kafka.createTopic(dlq, 1);
    // the stream takes messages of at most 64 bytes: a bigger one is that message's fault, not an outage
    natsClient.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".>")
        .maximumMessageSize(64).build());
    Bridge bridge = start("""
        refusing {
          from.kafka { topics = ["%s"] }
          to.jetstream { subject = "%s.in" }
          provenance-headers = false
          retry { max-attempts = 3, initial-backoff = 50ms, max-backoff = 100ms }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(topic, stream, dlq));
    awaitRunning(bridge);
    TestClients.produce(kafka.bootstrapServers(), List.of(record(topic, "k".getBytes(UTF_8), new byte[200], List.of())));

    ConsumerRecord<byte[], byte[]> dead = TestClients.consume(kafka.bootstrapServers(), dlq, 1).get(0);
    MessageHeaders h = headersOf(dead);
    assertEquals("1", h.firstString("bridge-dlq-attempts").orElseThrow(), "a message error is not retried");
    assertFalse(h.firstString("bridge-dlq-reason").orElseThrow().isBlank());
    assertArrayEquals("k".getBytes(UTF_8), dead.key());
    assertEquals(0, bridge.route("refusing").orElseThrow().metrics().retriedCount());
  }

  @Test
  void withoutADeadLetterTheRouteStopsAndCommitsNothingPastTheMessage() throws Exception {
    String topic = unique("stop");
    kafka.createTopic(topic, 1);
    Bridge bridge = start("stopper { from.kafka { topics = [\"%s\"] }, to.nats { subject = \"%s.{header:tenant}\" } }"
        .formatted(topic, topic));
    awaitRunning(bridge);
    TestClients.produce(kafka.bootstrapServers(), List.of(
        record(topic, null, "a".getBytes(UTF_8), List.of(Header.ofString("tenant", "x"))),
        record(topic, null, "b".getBytes(UTF_8), List.of()),
        record(topic, null, "c".getBytes(UTF_8), List.of(Header.ofString("tenant", "x")))));

    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.route("stopper").orElseThrow().state() == RouteState.FAILED);
    assertFalse(bridge.isReady());
    assertTrue(bridge.route("stopper").orElseThrow().lastError().orElseThrow().contains("kafka://" + topic + "/0@1"));
    bridge.close();
    Long committed = TestClients.committed(kafka.bootstrapServers(), "bridge-stopper").get(new TopicPartition(topic, 0));
    assertTrue(committed == null || committed <= 1, "the undeliverable record (offset 1) stays uncommitted: " + committed);
  }

  @Test
  void startsWhileNatsIsDownReportsNotReadyThenRelays() throws Exception {
    int port = NatsServers.freePort();
    String topic = unique("late");
    kafka.createTopic(topic, 1);
    Bridge bridge = start("late { from.kafka { topics = [\"%s\"] }, to.nats { subject = \"late.out\" } }".formatted(topic),
        kafka.bootstrapServers(), "nats://127.0.0.1:" + port);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> bridge.route("late").orElseThrow().state() == RouteState.STARTING);
    HttpResponse<String> notReady = readyz(bridge);
    assertEquals(503, notReady.statusCode());
    assertTrue(notReady.body().contains("\"route\":\"late\""), notReady.body());
    try (NatsServers late = NatsServers.start(port); Connection client = Nats.connect(late.url())) {
      Subscription sub = client.subscribe("late.out");
      client.flush(Duration.ofSeconds(5));
      awaitRunning(bridge);
      assertEquals(200, readyz(bridge).statusCode());
      TestClients.produce(kafka.bootstrapServers(), List.of(record(topic, null, "hello".getBytes(UTF_8), List.of())));
      Message msg = sub.nextMessage(Duration.ofSeconds(30));
      assertNotNull(msg);
      assertArrayEquals("hello".getBytes(UTF_8), msg.getData());
      bridge.close();
    }
  }

  @Test
  void startsWhileKafkaIsDownReportsNotReadyThenRelays() throws Exception {
    int port = EmbeddedKafka.freePort();
    String subject = unique("late-kafka");
    Bridge bridge = start("latekafka { from.nats { subject = \"%s\" }, to.kafka { topic = \"%s\" } }".formatted(subject, subject),
        "127.0.0.1:" + port, nats.url());
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> bridge.route("latekafka").orElseThrow().state() == RouteState.STARTING);
    assertEquals(503, readyz(bridge).statusCode());
    try (EmbeddedKafka late = EmbeddedKafka.start(port)) {
      late.createTopic(subject, 1);
      awaitRunning(bridge);
      natsClient.publish(subject, "hello kafka".getBytes(UTF_8));
      natsClient.flush(Duration.ofSeconds(5));
      ConsumerRecord<byte[], byte[]> r = TestClients.consume(late.bootstrapServers(), subject, 1).get(0);
      assertArrayEquals("hello kafka".getBytes(UTF_8), r.value());
      bridge.close();
    }
  }

  private static HttpResponse<String> readyz(Bridge bridge) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bridge.adminPort().orElseThrow() + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anInvalidTraceparentStartsANewTraceAndTheMessageStillGoes() throws Exception {
    String topic = unique("bad-tp");
    kafka.createTopic(topic, 1);
    Bridge bridge = start("badtp { from.kafka { topics = [\"%s\"] }, to.nats { subject = \"%s\" } }".formatted(topic, topic));
    Subscription sub = natsClient.subscribe(topic);
    natsClient.flush(Duration.ofSeconds(5));
    awaitRunning(bridge);
    String upperCase = "00-" + TRACE_ID.toUpperCase() + "-" + UPSTREAM_SPAN + "-01";
    TestClients.produce(kafka.bootstrapServers(), List.of(record(topic, null, "x".getBytes(UTF_8),
        List.of(Header.ofString("traceparent", upperCase), Header.ofString("tracestate", "vendor=abc")))));

    Message msg = sub.nextMessage(Duration.ofSeconds(30));
    assertNotNull(msg, "relayed despite the invalid traceparent");
    MessageHeaders arrived = NatsHeaderCodec.decode(msg.getHeaders());
    String traceparent = arrived.firstString("traceparent").orElseThrow();
    assertFalse(traceparent.contains(TRACE_ID.toUpperCase()) || traceparent.contains(TRACE_ID), traceparent);
    assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"), traceparent);
    assertNull(arrived.firstString("tracestate").orElse(null), "its tracestate is ignored with it");
  }
}
