package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.requestreply.RequestReplyFuture;

/**
 * Request-reply, Kafka record → NATS service → reply into Kafka ({@code to.nats { request { } }} with
 * {@code reply.to.kafka}), against a real Kafka broker and a real nats-server, with bridges in process: many
 * concurrent requesters through two bridge instances, replies in request order when the service answers out
 * of order, a service that does not answer (dead letter after the retries, or a stopped route that commits
 * nothing), a slow one within the timeout.
 */
class KafkaRequestReplyTest {

  private static final SecureRandom RANDOM = new SecureRandom();

  private static EmbeddedKafka kafka;
  private static NatsServers nats;
  private static Connection service;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final List<AutoCloseable> running = new ArrayList<>();
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void brokers() throws Exception {
    kafka = EmbeddedKafka.start();
    nats = NatsServers.start();
    service = Nats.connect(nats.url());
  }

  @AfterAll
  static void stopBrokers() throws Exception {
    service.close();
    nats.close();
    kafka.close();
  }

  @AfterEach
  void stopBridges() throws Exception {
    later.shutdownNow();
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A test's own names: request topic {@code rr-<name>}, its replies and dead letters, subject {@code rr.<name>}. */
  private record Lane(String topic, String replies, String deadLetters, String subject) {

    /** Creates the request and reply topics, one partition each (the dead letters' only if asked). */
    static Lane create(String name, boolean deadLetters) {
      Lane lane = new Lane(unique("rr-" + name), unique("rr-" + name + "-replies"), unique("rr-" + name + "-dead"),
          unique("rr." + name));
      kafka.createTopic(lane.topic, 1);
      kafka.createTopic(lane.replies, 1);
      if (deadLetters) {
        kafka.createTopic(lane.deadLetters, 1);
      }
      return lane;
    }
  }

  private Bridge start(String routes) throws Exception {
    return start(routes, "");
  }

  private Bridge startReady(String routes) throws Exception {
    return startReady(routes, "");
  }

  private Bridge startReady(String routes, String bridgeSettings) throws Exception {
    Bridge bridge = start(routes, bridgeSettings);
    await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);
    return bridge;
  }

  private Bridge start(String routes, String bridgeSettings) throws Exception {
    BridgeConfig config = ConfigLoader.parse("""
        bridge {
          %s
          admin.enabled = false
          kafka.bootstrap-servers = "%s"
          kafka.properties { "metadata.max.age.ms" = 1000 }
          nats.servers = ["%s"]
          routes { %s }
        }
        """.formatted(bridgeSettings, kafka.bootstrapServers(), nats.url(), routes), "test.conf");
    Telemetry telemetry = Telemetry.forTesting(spans);
    running.add(telemetry);
    Bridge bridge = Bridge.start(config, telemetry);
    running.add(bridge);
    return bridge;
  }

  /**
   * A NATS service in the queue group {@code svc}: answers {@code reply:<payload>} on the request's reply
   * subject, copying only the header {@code blob} (binary, so it travels encoded) and adding {@code svc}; it
   * copies neither {@code kafka_correlationId} nor anything else, so what the reply carries of the request is
   * the bridge's doing.
   */
  private Dispatcher answering(String subject, Consumer<Runnable> when) {
    Dispatcher dispatcher = service.createDispatcher(request -> {
      Headers headers = new Headers();
      String blob = request.getHeaders() == null ? null : request.getHeaders().getFirst("blob");
      if (blob != null) {
        headers.add("blob", blob);
      }
      headers.add("svc", "enricher");
      byte[] body = ("reply:" + new String(request.getData(), UTF_8)).getBytes(UTF_8);
      when.accept(() -> service.publish(request.getReplyTo(), headers, body));
    });
    dispatcher.subscribe(subject, "svc");
    running.add(() -> service.closeDispatcher(dispatcher));
    return dispatcher;
  }

  private static String route(String name, String topic, String subject, String replies, String extra) {
    return """
        %s {
          from.kafka { topics = ["%s"], properties { "session.timeout.ms" = 6000 } }
          to.nats { subject = "%s", request { timeout = 2s } }
          reply.to.kafka { topic = "%s", key = "{key}" }
          %s
        }
        """.formatted(name, topic, subject, replies, extra);
  }

  private static ProducerRecord<byte[], byte[]> request(String topic, String key, String payload, byte[] correlation,
                                                        String replyTopic) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(UTF_8), payload.getBytes(UTF_8));
    if (correlation != null) {
      record.headers().add(new RecordHeader("kafka_correlationId", correlation));
    }
    if (replyTopic != null) {
      record.headers().add(new RecordHeader("kafka_replyTopic", replyTopic.getBytes(UTF_8)));
    }
    record.headers().add(new RecordHeader("blob", new byte[] {0, (byte) 0xfe, 'x', '\n'}));
    return record;
  }

  /** {@code count} requests {@code <prefix>-<i>} with key {@code k}, in order on partition 0. */
  private static void produceRequests(String topic, String prefix, int count) throws Exception {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(request(topic, "k", prefix + "-" + i, correlationId(), null));
    }
    TestClients.produce(kafka.bootstrapServers(), records);
  }

  /** One request per service, routed by its header {@code svc}, payload {@code <svc><suffix>}. */
  private static void produceRequestsTo(String topic, List<String> services, String suffix) throws Exception {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (String svc : services) {
      ProducerRecord<byte[], byte[]> r = request(topic, "k", svc + suffix, correlationId(), null);
      r.headers().add(new RecordHeader("svc", svc.getBytes(UTF_8)));
      records.add(r);
    }
    TestClients.produce(kafka.bootstrapServers(), records);
  }

  private static List<String> consumeValues(String topic, int count) throws Exception {
    return TestClients.consume(kafka.bootstrapServers(), topic, count).stream()
        .map(r -> new String(r.value(), UTF_8)).toList();
  }

  /** The offset the route's group committed on partition 0 of {@code topic}, or null. */
  private static Long committed(String route, String topic) throws Exception {
    return TestClients.committed(kafka.bootstrapServers(), "bridge-" + route).get(new TopicPartition(topic, 0));
  }

  private static byte[] correlationId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return id;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), UTF_8);
  }

  @Test
  void concurrentRequestersThroughTwoBridgesEachGetTheirOwnReply() throws Exception {
    String topic = unique("rr-requests");
    String replies = unique("rr-replies");
    String ownReplies = unique("rr-own-replies");
    String subject = unique("rr.enrich");
    kafka.createTopic(topic, 4);
    kafka.createTopic(replies, 2);
    kafka.createTopic(ownReplies, 2);
    answering(subject, Runnable::run);
    String routes = route("enrich", topic, subject, replies, "");
    Bridge first = start(routes);
    Bridge second = start(routes);
    await().atMost(Duration.ofSeconds(60)).until(() -> first.isReady() && second.isReady());
    // both members hold partitions before anything is sent, so that both relay requests
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      int a = first.route("enrich").orElseThrow().sourceLag().size();
      int b = second.route("enrich").orElseThrow().sourceLag().size();
      return a > 0 && b > 0 && a + b == 4;
    });

    // 4 producers, 60 records each, sent concurrently; every other record names its own reply topic
    int producers = 4;
    int perProducer = 60;
    Map<String, String> payloadByCorrelation = new ConcurrentHashMap<>();
    Map<String, String> replyTopicByCorrelation = new ConcurrentHashMap<>();
    Map<String, String> keyByCorrelation = new ConcurrentHashMap<>();
    ExecutorService threads = Executors.newFixedThreadPool(producers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int producer = p;
        done.add(threads.submit(() -> {
          Properties props = new Properties();
          props.put("bootstrap.servers", kafka.bootstrapServers());
          props.put("linger.ms", "0");
          try (KafkaProducer<byte[], byte[]> client =
                   new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < perProducer; i++) {
              byte[] correlation = correlationId();
              String id = HexFormat.of().formatHex(correlation);
              String payload = "order-" + producer + "-" + i;
              String key = "customer-" + (i % 7);
              String replyTopic = i % 2 == 0 ? ownReplies : null;
              payloadByCorrelation.put(id, payload);
              keyByCorrelation.put(id, key);
              replyTopicByCorrelation.put(id, replyTopic == null ? replies : ownReplies);
              client.send(request(topic, key, payload, correlation, replyTopic));
            }
            client.flush();
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }

    int total = producers * perProducer;
    List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
    received.addAll(TestClients.consume(kafka.bootstrapServers(), replies, total / 2));
    received.addAll(TestClients.consume(kafka.bootstrapServers(), ownReplies, total / 2));
    Map<String, Integer> seen = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> reply : received) {
      var correlation = reply.headers().lastHeader("kafka_correlationId");
      assertNotNull(correlation, "every reply carries its request's kafka_correlationId");
      String id = HexFormat.of().formatHex(correlation.value());
      String payload = payloadByCorrelation.get(id);
      assertNotNull(payload, "a correlation id no request had: " + id);
      seen.merge(id, 1, Integer::sum);
      assertEquals("reply:" + payload, new String(reply.value(), UTF_8), "cross-talk for " + id);
      assertEquals(replyTopicByCorrelation.get(id), reply.topic(), "kafka_replyTopic, else reply.to.kafka.topic");
      assertEquals(keyByCorrelation.get(id), new String(reply.key(), UTF_8), "key = {key} of the request");
      assertArrayEquals(new byte[] {0, (byte) 0xfe, 'x', '\n'}, reply.headers().lastHeader("blob").value(),
          "a binary header the service copied comes back as bytes");
      assertEquals("enricher", header(reply, "svc"));
      assertEquals(topic, header(reply, "bridge-kafka-topic"), "provenance: the request record");
      assertNotNull(header(reply, "bridge-kafka-offset"));
      assertNotNull(header(reply, "traceparent"), "the reply record carries the bridge's PRODUCER span");
    }
    assertEquals(total, seen.size(), "every request got a reply");
    assertTrue(first.route("enrich").orElseThrow().metrics().consumedCount() > 0);
    assertTrue(second.route("enrich").orElseThrow().metrics().consumedCount() > 0);

    // delivered = request + reply in Kafka: every request offset is committed
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Map<TopicPartition, Long> committed = TestClients.committed(kafka.bootstrapServers(), "bridge-enrich");
      long sum = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
          .mapToLong(Map.Entry::getValue).sum();
      assertEquals(total, sum, committed.toString());
    });
  }

  @Test
  void repliesKeepTheOrderOfTheirRequestsWhenTheServiceAnswersOutOfOrder() throws Exception {
    Lane lane = Lane.create("order", false);
    AtomicInteger answered = new AtomicInteger();
    // every third request is answered 300 ms late, after later ones
    answering(lane.subject(), reply -> {
      if (answered.getAndIncrement() % 3 == 0) {
        later.schedule(reply, 300, TimeUnit.MILLISECONDS);
      } else {
        reply.run();
      }
    });
    startReady(route("order", lane.topic(), lane.subject(), lane.replies(), ""));

    int count = 30;
    produceRequests(lane.topic(), "m", count);

    List<ConsumerRecord<byte[], byte[]>> received =
        TestClients.consume(kafka.bootstrapServers(), lane.replies(), count);
    for (int i = 0; i < count; i++) {
      assertEquals("reply:m-" + i, new String(received.get(i).value(), UTF_8), "reply " + i + " out of order");
      assertEquals(Integer.toString(i), header(received.get(i), "bridge-kafka-offset"));
    }
    assertTrue(answered.get() >= count);
  }

  @Test
  void aServiceThatDoesNotAnswerSendsTheRecordToTheDeadLetterAfterTheRetriesAndNothingStaysStuck() throws Exception {
    Lane lane = Lane.create("dlq", true);
    String topic = lane.topic();
    String prefix = lane.subject();
    answering(prefix + ".fast", Runnable::run);
    answering(prefix + ".slow", reply -> later.schedule(reply, 400, TimeUnit.MILLISECONDS));
    Dispatcher silent = service.createDispatcher(request -> { });
    silent.subscribe(prefix + ".silent");
    running.add(() -> service.closeDispatcher(silent));
    Bridge bridge = startReady("""
        dlq {
          from.kafka { topics = ["%s"] }
          to.nats { subject = "%s.{header:svc}", request { timeout = 1s } }
          reply.to.kafka { topic = "%s" }
          retry { max-attempts = 3, initial-backoff = 50ms, max-backoff = 100ms }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(topic, prefix, lane.replies(), lane.deadLetters()));

    produceRequestsTo(topic, List.of("fast", "none", "silent", "slow", "fast"), "-request");

    List<ConsumerRecord<byte[], byte[]>> dead = TestClients.consume(kafka.bootstrapServers(), lane.deadLetters(), 2);
    assertEquals("none-request", new String(dead.get(0).value(), UTF_8));
    assertEquals("dev.tracebridge.nats.NatsRequestSink$NoRespondersException", header(dead.get(0), "bridge-dlq-error"));
    String reason = header(dead.get(0), "bridge-dlq-reason");
    assertTrue(reason.contains("no responders"), reason);
    assertEquals("3", header(dead.get(0), "bridge-dlq-attempts"));
    assertEquals("kafka://" + topic + "/0@1", header(dead.get(0), "bridge-dlq-source"));
    assertEquals("dlq", header(dead.get(0), "bridge-dlq-route"));
    assertNotNull(header(dead.get(0), "bridge-dlq-timestamp"));
    assertNotNull(dead.get(0).headers().lastHeader("kafka_correlationId"), "the original headers stay");
    assertEquals("silent-request", new String(dead.get(1).value(), UTF_8));
    assertEquals("dev.tracebridge.nats.NatsRequestSink$ReplyTimeoutException", header(dead.get(1), "bridge-dlq-error"));
    assertEquals("3", header(dead.get(1), "bridge-dlq-attempts"));

    // the slow service answered within the timeout, and the lane went on in order after the dead letters
    assertEquals(List.of("reply:fast-request", "reply:slow-request", "reply:fast-request"),
        consumeValues(lane.replies(), 3));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(5L, committed("dlq", topic)));
    assertEquals(RouteState.RUNNING, bridge.route("dlq").orElseThrow().state());
    assertEquals(0, bridge.route("dlq").orElseThrow().inFlightMessages());
  }

  @Test
  void withoutADeadLetterARequestNobodyAnswersStopsTheRouteAndItsOffsetIsNotCommitted() throws Exception {
    Lane lane = Lane.create("stop", false);
    String topic = lane.topic();
    String prefix = lane.subject();
    answering(prefix + ".fast", Runnable::run);
    Bridge bridge = startReady("""
        stop {
          from.kafka { topics = ["%s"] }
          to.nats { subject = "%s.{header:svc}", request { timeout = 300ms } }
          reply.to.kafka { topic = "%s" }
          retry { max-attempts = 2, initial-backoff = 50ms, max-backoff = 100ms }
        }
        """.formatted(topic, prefix, lane.replies()));

    produceRequestsTo(topic, List.of("fast", "nobody", "fast"), "");

    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.route("stop").orElseThrow().state() == RouteState.FAILED);
    assertTrue(bridge.route("stop").orElseThrow().lastError().orElseThrow().contains("no responders"));
    assertEquals(List.of("reply:fast"), consumeValues(lane.replies(), 1));
    bridge.close();
    Long committed = committed("stop", topic);
    assertFalse(committed != null && committed > 1, "committed " + committed + ": past the unanswered request");
  }

  @Test
  void aRequestRecordWithAnInvalidReplyTopicGoesToTheDeadLetterUnasked() throws Exception {
    Lane lane = Lane.create("badtopic", true);
    AtomicInteger asked = new AtomicInteger();
    answering(lane.subject(), reply -> {
      asked.incrementAndGet();
      reply.run();
    });
    startReady(route("badtopic", lane.topic(), lane.subject(), lane.replies(),
        "dead-letter.kafka { topic = \"" + lane.deadLetters() + "\" }"));

    TestClients.produce(kafka.bootstrapServers(),
        List.of(request(lane.topic(), "k", "m", correlationId(), "no such/topic")));

    ConsumerRecord<byte[], byte[]> dead = TestClients.consume(kafka.bootstrapServers(), lane.deadLetters(), 1).get(0);
    assertEquals("dev.tracebridge.mapping.MappingException", header(dead, "bridge-dlq-error"));
    assertTrue(header(dead, "bridge-dlq-reason").contains("kafka_replyTopic"), header(dead, "bridge-dlq-reason"));
    assertEquals(0, asked.get(), "a request whose reply could never be written is not sent");
    assertNull(dead.headers().lastHeader("svc"), "the dead letter holds the request");
  }

  @Test
  void theRoundTripIsOneTraceReceivedOverOtlp() throws Exception {
    Lane lane = Lane.create("trace", true);
    String topic = lane.topic();
    String replies = lane.replies();
    String dlq = lane.deadLetters();
    String prefix = lane.subject();
    String traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
    String upstream = "10f067aa0ba902b7";
    String serviceSpan = "20f067aa0ba902b7";
    List<String> seenByService = new ArrayList<>();
    // the service continues the trace: its reply carries a child of the request's traceparent
    Dispatcher svc = service.createDispatcher(request -> {
      String traceparent = request.getHeaders().getFirst("traceparent");
      seenByService.add(traceparent);
      Headers headers = new Headers();
      headers.add("traceparent", "00-" + traceparent.substring(3, 35) + "-" + serviceSpan + "-01");
      service.publish(request.getReplyTo(), headers, "enriched".getBytes(UTF_8));
    });
    svc.subscribe(prefix + ".svc");
    running.add(() -> service.closeDispatcher(svc));

    Bridge bridge;
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      BridgeConfig config = ConfigLoader.parse("""
          bridge {
            service-name = "rr-trace"
            admin.enabled = false
            otel { exporter.otlp.endpoint = "%s" }
            kafka.bootstrap-servers = "%s"
            nats.servers = ["%s"]
            routes.trace {
              from.kafka { topics = ["%s"] }
              to.nats { subject = "%s.{header:svc}", request { timeout = 1s } }
              reply.to.kafka { topic = "%s" }
              retry { max-attempts = 1 }
              dead-letter.kafka { topic = "%s" }
            }
          }
          """.formatted(receiver.endpoint(), kafka.bootstrapServers(), nats.url(), topic, prefix, replies, dlq),
          "test.conf");
      Telemetry telemetry = Telemetry.autoConfigure(config);
      running.add(telemetry);
      bridge = Bridge.start(config, telemetry);
      running.add(bridge);
      await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);

      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      for (String target : List.of("svc", "nobody")) {
        ProducerRecord<byte[], byte[]> r = request(topic, "k", target, correlationId(), null);
        r.headers().add(new RecordHeader("traceparent", ("00-" + traceId + "-" + upstream + "-01").getBytes(UTF_8)));
        r.headers().add(new RecordHeader("svc", target.getBytes(UTF_8)));
        records.add(r);
      }
      TestClients.produce(kafka.bootstrapServers(), records);
      ConsumerRecord<byte[], byte[]> reply = TestClients.consume(kafka.bootstrapServers(), replies, 1).get(0);
      TestClients.consume(kafka.bootstrapServers(), dlq, 1);
      bridge.close();
      telemetry.close(); // flushes the exporter

      List<Span> all = receiver.spans();
      Span process = named(all, "process " + topic, 0);
      Span request = named(all, "request " + prefix + ".{header:svc}", 0);
      Span send = named(all, "send " + replies, 0);
      for (Span span : List.of(process, request, send)) {
        assertEquals(traceId, hex(span.getTraceId()), span.getName());
      }
      assertEquals(Span.SpanKind.SPAN_KIND_CONSUMER, process.getKind());
      assertEquals(upstream, hex(process.getParentSpanId()));
      assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, request.getKind());
      assertEquals(hex(process.getSpanId()), hex(request.getParentSpanId()));
      assertEquals("request", attribute(request, "messaging.operation.name"));
      assertEquals("nats", attribute(request, "messaging.system"));
      assertEquals(prefix + ".svc", attribute(request, "messaging.destination.name"));
      assertEquals("00-" + traceId + "-" + hex(request.getSpanId()) + "-01", seenByService.get(0),
          "the request carries the CLIENT span's context, which the service continues");
      assertEquals(Span.SpanKind.SPAN_KIND_PRODUCER, send.getKind());
      assertEquals(hex(request.getSpanId()), hex(send.getParentSpanId()), "the reply's send is a child of the request");
      assertEquals(serviceSpan, hex(send.getLinks(0).getSpanId()), "linked to the reply's own context");
      assertEquals("kafka", attribute(send, "messaging.system"));
      assertEquals("00-" + traceId + "-" + hex(send.getSpanId()) + "-01", header(reply, "traceparent"),
          "the reply record carries the PRODUCER span's context");

      Span failedProcess = named(all, "process " + topic, 1);
      Span failedRequest = named(all, "request " + prefix + ".{header:svc}", 1);
      assertEquals(traceId, hex(failedRequest.getTraceId()));
      assertEquals(Status.StatusCode.STATUS_CODE_ERROR,
          failedRequest.getStatus().getCode());
      assertEquals("dev.tracebridge.nats.NatsRequestSink$NoRespondersException",
          attribute(failedRequest, "error.type"));
      assertEquals(Status.StatusCode.STATUS_CODE_ERROR,
          failedProcess.getStatus().getCode());
      assertEquals(Span.SpanKind.SPAN_KIND_PRODUCER, named(all, "send " + dlq, 0).getKind());
      assertEquals(6, all.size(), all.stream().map(Span::getName).toList().toString());
    }
  }

  @Test
  void aStopWaitsForTheRepliesWithinTheShutdownTimeoutAndCommitsThem() throws Exception {
    Lane lane = Lane.create("drain", false);
    AtomicInteger asked = new AtomicInteger();
    answering(lane.subject(), reply -> {
      asked.incrementAndGet();
      later.schedule(reply, 500, TimeUnit.MILLISECONDS);
    });
    Bridge bridge = startReady(route("drain", lane.topic(), lane.subject(), lane.replies(), ""),
        "shutdown-timeout = 20s");
    produceRequests(lane.topic(), "d", 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> asked.get() == 3);

    bridge.close(); // the drain waits for the answers and their replies in Kafka

    assertEquals(3L, committed("drain", lane.topic()));
    assertEquals(List.of("reply:d-0", "reply:d-1", "reply:d-2"), consumeValues(lane.replies(), 3));
  }

  @Test
  void aStopWhileRequestsAreUnansweredCommitsNoneAndTheNextBridgeAsksAgain() throws Exception {
    Lane lane = Lane.create("giveup", false);
    AtomicInteger asked = new AtomicInteger();
    AtomicBoolean slow = new AtomicBoolean(true);
    answering(lane.subject(), reply -> {
      asked.incrementAndGet();
      if (slow.get()) {
        later.schedule(reply, 20, TimeUnit.SECONDS); // to an inbox that is gone by then
      } else {
        reply.run();
      }
    });
    String route = """
        giveup {
          from.kafka { topics = ["%s"] }
          to.nats { subject = "%s", request { timeout = 30s } }
          reply.to.kafka { topic = "%s" }
        }
        """.formatted(lane.topic(), lane.subject(), lane.replies());
    Bridge first = startReady(route, "shutdown-timeout = 1s");
    produceRequests(lane.topic(), "g", 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> asked.get() == 3);

    first.close(); // gives up after 1 s: nothing was answered, nothing is acknowledged
    Long committed = committed("giveup", lane.topic());
    assertTrue(committed == null || committed == 0, "committed " + committed);

    slow.set(false);
    startReady(route);
    assertEquals(List.of("reply:g-0", "reply:g-1", "reply:g-2"), consumeValues(lane.replies(), 3));
    assertEquals(6, asked.get(), "asked again after the restart");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(3L, committed("giveup", lane.topic())));
  }

  /**
   * A real Spring Kafka {@code ReplyingKafkaTemplate} (plain spring-kafka, no Boot) calls a NATS service through
   * the bridge: it sets {@code kafka_replyTopic} and {@code kafka_correlationId} itself and matches each reply by
   * the correlation id the bridge copies.
   */
  @Test
  void aSpringReplyingKafkaTemplateCallsANatsServiceThroughTheBridge() throws Exception {
    String topic = unique("rr-spring");
    String replies = unique("rr-spring-unused");
    String springReplies = unique("rr-spring-replies");
    String subject = unique("rr.spring");
    kafka.createTopic(topic, 2);
    kafka.createTopic(springReplies, 1);
    answering(subject, Runnable::run);
    startReady(route("spring", topic, subject, replies, ""));

    Map<String, Object> producer = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    Map<String, Object> consumer = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, unique("requester"),
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    ContainerProperties containerProperties = new ContainerProperties(springReplies);
    KafkaMessageListenerContainer<String, String> container =
        new KafkaMessageListenerContainer<>(new DefaultKafkaConsumerFactory<>(consumer), containerProperties);
    ReplyingKafkaTemplate<String, String, String> template =
        new ReplyingKafkaTemplate<>(new DefaultKafkaProducerFactory<>(producer), container);
    template.setDefaultReplyTimeout(Duration.ofSeconds(30));
    template.setSharedReplyTopic(false);
    template.afterPropertiesSet();
    template.start();
    running.add(template::destroy);
    running.add(template::stop);
    assertTrue(template.waitForAssignment(Duration.ofSeconds(30)), "the reply container was assigned its partition");

    List<RequestReplyFuture<String, String, String>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(template.sendAndReceive(new ProducerRecord<>(topic, "k" + (i % 3), "spring-" + i)));
    }
    for (int i = 0; i < calls.size(); i++) {
      ConsumerRecord<String, String> reply = calls.get(i).get(30, TimeUnit.SECONDS);
      assertEquals("reply:spring-" + i, reply.value());
      assertEquals(springReplies, reply.topic());
    }
  }

  /** The {@code index}-th span of that name, by start time. */
  private static Span named(List<Span> spans, String name, int index) {
    List<Span> matching = spans.stream().filter(s -> s.getName().equals(name))
        .sorted(Comparator.comparingLong(Span::getStartTimeUnixNano)).toList();
    assertTrue(matching.size() > index, name + " in " + spans.stream().map(Span::getName).toList());
    return matching.get(index);
  }

  private static String attribute(Span span, String key) {
    return span.getAttributesList().stream().filter(a -> a.getKey().equals(key))
        .map(a -> a.getValue().getStringValue()).findFirst().orElse(null);
  }

  private static String hex(ByteString id) {
    return id.size() == 16 ? TraceId.fromBytes(id.toByteArray()) : SpanId.fromBytes(id.toByteArray());
  }
}
