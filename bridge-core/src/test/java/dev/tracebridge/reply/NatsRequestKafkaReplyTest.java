package dev.tracebridge.reply;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.route.RouteView;
import dev.tracebridge.runtime.Bridge;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.KafkaReplyService;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NATS request → Kafka service → NATS reply, on real brokers, through in-process bridges: concurrent
 * requesters get their own answers through two bridge instances; answers that are not the bridge's, and
 * answers whose requester has gone, are counted and never stop the relay.
 */
class NatsRequestKafkaReplyTest {

  private static EmbeddedKafka kafka;
  private static NatsServers nats;

  private final List<AutoCloseable> running = new ArrayList<>();

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

  @AfterEach
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  /** Route {@code <id>}: requests {@code <id>.get.>} → {@code <id>-requests}, answers from {@code <id>-answers}. */
  static BridgeConfig config(String id, String bootstrap, String natsUrl, String extra) throws Exception {
    return ConfigLoader.parse("""
        bridge {
          admin.port = 0
          admin.host = "127.0.0.1"
          shutdown-timeout = 10s
          kafka.bootstrap-servers = "%s"
          kafka.properties { "metadata.max.age.ms" = 1000 }
          nats.servers = ["%s"]
          %s
          routes.%s {
            from.nats { subject = "%s.get.>", queue-group = "bridge" }
            to.kafka { topic = "%s-requests", key = "{subject[2]}" }
            reply.from.kafka { topic = "%s-answers" }
          }
        }
        """.formatted(bootstrap, natsUrl, extra, id, id, id, id), "rr.conf");
  }

  private Bridge bridge(BridgeConfig config, Telemetry telemetry) throws Exception {
    Bridge bridge = Bridge.start(config, telemetry);
    running.add(bridge);
    return bridge;
  }

  private static String newId() {
    return "rr" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Ready, and the reply relay's group has its start position on every partition, so no answer is skipped. */
  static void awaitRelaying(String bootstrap, String id, int replyPartitions, Bridge... bridges) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      for (Bridge b : bridges) {
        if (!b.isReady()) {
          return false;
        }
      }
      return committed(bootstrap, "bridge-" + id + "-replies").size() == replyPartitions;
    });
  }

  static Map<TopicPartition, ?> committed(String bootstrap, String group) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void concurrentRequestersGetTheirOwnAnswersThroughTwoBridgeInstances() throws Exception {
    String id = newId();
    kafka.createTopic(id + "-requests", 4);
    kafka.createTopic(id + "-answers", 2);
    Telemetry telemetry = Telemetry.forTesting(InMemorySpanExporter.create());
    running.add(telemetry);
    BridgeConfig config = config(id, kafka.bootstrapServers(), nats.url(), "");
    Bridge first = bridge(config, telemetry);
    Bridge second = bridge(config, telemetry);
    running.add(QuoteService.start(kafka.bootstrapServers(), id + "-requests", null, payload -> false));
    awaitRelaying(kafka.bootstrapServers(), id, 2, first, second);
    // one reply partition each (the lag a source reports lists the partitions it was assigned and fetched)
    await().atMost(Duration.ofSeconds(60)).until(() ->
        first.route(id + "-replies").orElseThrow().sourceLag().size() == 1
            && second.route(id + "-replies").orElseThrow().sourceLag().size() == 1);

    int threads = 20;
    int requestsEach = 10;
    RoundTrips bridged = roundTrips(threads, requestsEach, id + ".get.");
    assertEquals(List.of(), bridged.wrong(), "every requester gets its own answer, nothing else");
    assertEquals(threads * requestsEach, bridged.latencies().size());

    // the same requesters against a NATS responder, no bridge: what the bridge's round trip is measured against
    try (Connection responder = Nats.connect(nats.url())) {
      responder.createDispatcher(m -> responder.publish(m.getReplyTo(),
          ("answer:" + new String(m.getData(), UTF_8)).getBytes(UTF_8))).subscribe(id + ".direct.>");
      responder.flush(Duration.ofSeconds(5));
      RoundTrips direct = roundTrips(threads, requestsEach, id + ".direct.");
      assertEquals(List.of(), direct.wrong());
      System.out.printf("request-reply, %d requesters x %d requests: through 2 bridges and Kafka %s; "
          + "NATS request-reply without bridge %s%n", threads, requestsEach, bridged, direct);
    }

    // both instances took requests (queue group) and delivered answers (one reply partition each)
    for (Bridge b : List.of(first, second)) {
      assertTrue(b.route(id).orElseThrow().metrics().producedCount() > 0, "each bridge relayed requests");
      assertTrue(b.route(id + "-replies").orElseThrow().metrics().producedCount() > 0, "each bridge delivered answers");
    }
    long delivered = first.route(id + "-replies").orElseThrow().metrics().producedCount()
        + second.route(id + "-replies").orElseThrow().metrics().producedCount();
    assertEquals(threads * requestsEach, delivered);
  }

  /** Round trip times of requests that got their own answer, and what went wrong with the others. */
  record RoundTrips(List<Long> latencies, List<String> wrong, long elapsedNanos) {
    @Override
    public String toString() {
      List<Long> sorted = latencies.stream().sorted().toList();
      return String.format("%d round trips in %d ms (%.0f/s), p50 %.1f ms, p99 %.1f ms", sorted.size(),
          TimeUnit.NANOSECONDS.toMillis(elapsedNanos), sorted.size() * 1e9 / elapsedNanos,
          sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6);
    }
  }

  /**
   * {@code threads} requesters, each on its own connection, each sending {@code requestsEach} requests with
   * distinct payloads one after the other to {@code prefix + eur|usd}, expecting {@code answer:} + payload.
   */
  private RoundTrips roundTrips(int threads, int requestsEach, String prefix) throws Exception {
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          try (Connection requester = Nats.connect(nats.url())) {
            for (int i = 0; i < requestsEach; i++) {
              String payload = "quote-" + thread + "-" + i;
              long sent = System.nanoTime();
              Message answer = requester.request(prefix + (i % 3 == 0 ? "eur" : "usd"), payload.getBytes(UTF_8),
                  Duration.ofSeconds(20));
              if (answer == null || !("answer:" + payload).equals(new String(answer.getData(), UTF_8))) {
                wrong.add(payload + " -> " + (answer == null ? "no answer" : new String(answer.getData(), UTF_8)));
              } else {
                latencies.add(System.nanoTime() - sent);
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return new RoundTrips(List.copyOf(latencies), List.copyOf(wrong), System.nanoTime() - start);
  }

  @Test
  void answersNotForTheBridgeAndAnswersToRequestersWhoLeftAreCountedAndTheRelayGoesOn() throws Exception {
    String id = newId();
    kafka.createTopic(id + "-requests", 2);
    kafka.createTopic(id + "-answers", 2);
    Telemetry telemetry = Telemetry.forTesting(InMemorySpanExporter.create());
    running.add(telemetry);
    Bridge bridge = bridge(config(id, kafka.bootstrapServers(), nats.url(), ""), telemetry);
    KafkaReplyService service = QuoteService.start(kafka.bootstrapServers(), id + "-requests", null,
        payload -> payload.startsWith("slow"));
    running.add(service);
    awaitRelaying(kafka.bootstrapServers(), id, 2, bridge);

    // records on the reply topic that are not the bridge's: no correlation id, someone else's, a bad subject
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
        kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(id + "-answers", "no header".getBytes(UTF_8)));
      ProducerRecord<byte[], byte[]> foreign = new ProducerRecord<>(id + "-answers", "spring's".getBytes(UTF_8));
      foreign.headers().add("kafka_correlationId", UUID.randomUUID().toString().getBytes(UTF_8));
      producer.send(foreign);
      ProducerRecord<byte[], byte[]> badSubject = new ProducerRecord<>(id + "-answers", "bad".getBytes(UTF_8));
      badSubject.headers().add("kafka_correlationId", "nats:_INBOX.a b".getBytes(UTF_8));
      producer.send(badSubject);
      producer.flush();
    }

    // requesters that leave before their answer: three unsubscribe their inbox, two close their connection
    try (Connection client = Nats.connect(nats.url())) {
      for (int i = 0; i < 3; i++) {
        String inbox = client.createInbox();
        Subscription sub = client.subscribe(inbox);
        client.publish(id + ".get.eur", inbox, ("slow-unsubscribed-" + i).getBytes(UTF_8));
        client.flush(Duration.ofSeconds(5));
        assertNull(sub.nextMessage(Duration.ofMillis(200)), "held by the service");
        sub.unsubscribe();
      }
      for (int i = 0; i < 2; i++) {
        try (Connection gone = Nats.connect(nats.url())) {
          String inbox = gone.createInbox();
          gone.subscribe(inbox);
          gone.publish(id + ".get.eur", inbox, ("slow-closed-" + i).getBytes(UTF_8));
          gone.flush(Duration.ofSeconds(5));
        }
      }
      // and two that time out in jnats's request() but stay connected: their shared inbox still listens
      for (int i = 0; i < 2; i++) {
        assertNull(client.request(id + ".get.eur", ("slow-timed-out-" + i).getBytes(UTF_8), Duration.ofMillis(300)));
      }
      RouteView requests = bridge.route(id).orElseThrow();
      await().atMost(Duration.ofSeconds(30)).until(() -> requests.metrics().producedCount() == 7);
      service.release();

      RouteView relay = bridge.route(id + "-replies").orElseThrow();
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.metrics().producedCount() == 7);
      await().atMost(Duration.ofSeconds(10)).until(() -> dropped(bridge, id, "no-responders") == 5);
      assertEquals(1, dropped(bridge, id, "no-correlation-id"));
      assertEquals(1, dropped(bridge, id, "foreign-correlation-id"));
      assertEquals(1, dropped(bridge, id, "invalid-subject"));
      assertEquals(RouteState.RUNNING, relay.state());
      assertEquals(0, relay.metrics().retriedCount(), "an answer nobody wants is never retried");
      assertEquals(0, relay.metrics().failedCount());
      assertEquals(0, relay.inFlightMessages());

      Message later = client.request(id + ".get.usd", "after".getBytes(UTF_8), Duration.ofSeconds(20));
      assertNotNull(later, "later requests are still answered");
      assertEquals("answer:after", new String(later.getData(), UTF_8));
      // the jnats requesters that timed out are not counted: their client still subscribes and discards the answer
      assertEquals(5, dropped(bridge, id, "no-responders"));
    }
    String routes = adminGet(bridge, "/routes");
    assertTrue(routes.contains("\"name\":\"" + id + "-replies\""), routes);
    assertTrue(routes.contains("\"destination\":\"nats:(reply subject of each request)\""), routes);
  }

  @Test
  void theReplyRelayStartsRestartsAndStopsWithItsRoute() throws Exception {
    String id = newId();
    kafka.createTopic(id + "-requests", 1);
    kafka.createTopic(id + "-answers", 1);
    kafka.createTopic(id + "-other-answers", 1);
    Telemetry telemetry = Telemetry.forTesting(InMemorySpanExporter.create());
    running.add(telemetry);
    Bridge bridge = bridge(config(id, kafka.bootstrapServers(), nats.url(), ""), telemetry);
    await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);

    Bridge.ReloadResult same = bridge.reload(config(id, kafka.bootstrapServers(), nats.url(), ""));
    assertEquals(List.of(id, id + "-replies"), same.unchanged());

    BridgeConfig otherTopic = ConfigLoader.parse("""
        bridge {
          admin.port = 0
          admin.host = "127.0.0.1"
          shutdown-timeout = 10s
          kafka.bootstrap-servers = "%s"
          nats.servers = ["%s"]
          routes.%s {
            from.nats { subject = "%s.get.>", queue-group = "bridge" }
            to.kafka { topic = "%s-requests" }
            reply.from.kafka { topic = "%s-other-answers" }
          }
        }
        """.formatted(kafka.bootstrapServers(), nats.url(), id, id, id, id), "rr.conf");
    Bridge.ReloadResult restarted = bridge.reload(otherTopic);
    assertEquals(Set.of(id, id + "-replies"), Set.copyOf(restarted.restarted()));
    await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);
    assertTrue(adminGet(bridge, "/metrics").contains("route=\"" + id + "-replies\""));

    Bridge.ReloadResult removed = bridge.reload(ConfigLoader.parse("""
        bridge {
          admin.port = 0
          admin.host = "127.0.0.1"
          kafka.bootstrap-servers = "%s"
          nats.servers = ["%s"]
          routes.plain { from.nats { subject = "%s.plain" }, to.kafka { topic = "%s-requests" } }
        }
        """.formatted(kafka.bootstrapServers(), nats.url(), id, id), "rr.conf"));
    assertEquals(Set.of(id, id + "-replies"), Set.copyOf(removed.stopped()));
    assertTrue(bridge.route(id + "-replies").isEmpty());
    assertTrue(!adminGet(bridge, "/metrics").contains("route=\"" + id + "-replies\""), "its series are gone");
  }

  /** {@code bridge_replies_dropped_total} of the route's relay for one reason, as {@code /metrics} shows it. */
  static long dropped(Bridge bridge, String id, String reason) throws Exception {
    Matcher m = Pattern.compile("bridge_replies_dropped_total\\{reason=\"" + reason + "\",route=\"" + id
        + "-replies\"} ([0-9.]+)").matcher(adminGet(bridge, "/metrics"));
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  static String adminGet(Bridge bridge, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bridge.adminPort().orElseThrow() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return response.body();
  }
}
