package dev.tracebridge.testkit;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The README's quick start: starts an in-process Kafka broker, a nats-server and an OTLP receiver on
 * free ports, runs the real launcher {@code bridge-cli/target/bridge/bin/bridge} with
 * {@code conf/quickstart.conf} against them, sends one Kafka record that carries a trace, and prints
 * the message as NATS received it and the spans the bridge exported. Run from the repository root
 * after {@code mvn -DskipTests package}.
 */
public final class Quickstart {

  private static final String TOPIC = "quickstart-orders";

  private Quickstart() {
  }

  public static void main(String[] args) throws Exception {
    Path launcher = Path.of("bridge-cli/target/bridge/bin/bridge");
    if (!Files.isExecutable(launcher)) {
      throw new IllegalStateException(launcher + " is missing: run `mvn -B -DskipTests package` from the repository root first");
    }
    System.out.println("starting Kafka, nats-server and an OTLP receiver...");
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
         NatsServers nats = NatsServers.start();
         OtlpReceiver otlp = OtlpReceiver.start()) {
      kafka.createTopic(TOPIC, 1);
      ProcessBuilder bridgeProcess = new ProcessBuilder(launcher.toString(), "run", "--config", "conf/quickstart.conf")
          .inheritIO();
      Map<String, String> env = bridgeProcess.environment();
      env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("NATS_URL", nats.url());
      env.put("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint());
      env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
      env.put("OTEL_BSP_SCHEDULE_DELAY", "200");
      Process bridge = bridgeProcess.start();
      try (Connection natsClient = Nats.connect(nats.url())) {
        Subscription subscription = natsClient.subscribe("quickstart.orders.>");
        natsClient.flush(Duration.ofSeconds(5));
        String traceId = hex(16);
        String traceparent = "00-" + traceId + "-" + hex(8) + "-01";
        send(kafka.bootstrapServers(), traceparent);
        System.out.println("\nsent to Kafka topic " + TOPIC + ": key order-1, traceparent " + traceparent);

        Message message = subscription.nextMessage(Duration.ofSeconds(60));
        if (message == null) {
          throw new IllegalStateException("no message arrived in NATS within 60 s");
        }
        System.out.println("\nreceived from NATS subject " + message.getSubject() + ": "
            + new String(message.getData(), StandardCharsets.UTF_8));
        message.getHeaders().entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .forEach(e -> System.out.println("  " + e.getKey() + ": " + String.join(", ", e.getValue())));

        List<Span> spans = awaitSpans(otlp, traceId, 2);
        System.out.println("\nspans of trace " + traceId + " exported by the bridge:");
        for (Span span : spans) {
          System.out.printf("  %-9s %-32s span %s parent %s links %d%n", span.getKind().name().replace("SPAN_KIND_", ""),
              span.getName(), HexFormat.of().formatHex(span.getSpanId().toByteArray()),
              HexFormat.of().formatHex(span.getParentSpanId().toByteArray()), span.getLinksCount());
        }
      } finally {
        bridge.destroy(); // SIGTERM: the bridge drains and exits 0
        if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
          bridge.destroyForcibly();
        }
        System.out.println("\nbridge stopped with exit status " + bridge.exitValue());
      }
    }
  }

  private static void send(String bootstrapServers, String traceparent) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    try (KafkaProducer<byte[], byte[]> producer =
             new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(TOPIC, bytes("order-1"), bytes("{\"order\":1,\"total\":42.5}"));
      record.headers().add("traceparent", bytes(traceparent));
      record.headers().add("baggage", bytes("tenant=acme"));
      record.headers().add("retry-count", bytes("0"));
      producer.send(record).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<Span> awaitSpans(OtlpReceiver otlp, String traceId, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<Span> spans = List.of();
    while (System.nanoTime() < deadline) {
      spans = otlp.spans().stream()
          .filter(s -> HexFormat.of().formatHex(s.getTraceId().toByteArray()).equals(traceId))
          .toList();
      if (spans.size() >= count) {
        break;
      }
      Thread.sleep(100); // a command-line program, not a test: polling the receiver is fine here
    }
    return spans;
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
