package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.route.RouteDescriptions;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.TestPki;
import dev.tracebridge.tracing.Telemetry;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's Kafka source and sink through {@code bridge.kafka.properties} against a real broker with
 * TLS, mutual TLS and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) listeners: one broker for the class,
 * certificates made by {@code keytool} in a temporary directory. Each test relays a record Kafka to
 * Kafka through the secured listener, then looks for its secrets in everything the bridge showed: the
 * log, {@code validate}'s route lines, the configuration's text, {@code /routes}, {@code /metrics} and
 * the spans.
 */
@Timeout(180)
class SecuredKafkaTest {

  private static final String USER = "bridge";
  private static final String SASL_PASSWORD = "sasl-" + UUID.randomUUID();

  static {
    // The clients' own configuration dumps (INFO) are where a password would show first: let them through.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients", "info");
  }

  @TempDir
  static Path dir;
  private static TestPki pki;
  private static EmbeddedKafka kafka;
  private static CapturedOutput output;

  @BeforeAll
  static void broker() {
    output = CapturedOutput.start();
    pki = TestPki.create(dir.resolve("pki"));
    kafka = EmbeddedKafka.builder().sasl(USER, SASL_PASSWORD).ssl(pki).start();
  }

  @AfterAll
  static void stopBroker() {
    try {
      if (kafka != null) {
        kafka.close();
      }
    } finally {
      output.close();
    }
  }

  @Test
  void tls() throws Exception {
    relay(kafka.tlsBootstrapServers(), trustOnly(), pki.password());
  }

  @Test
  void mutualTls() throws Exception {
    String properties = trustOnly() + """
          ssl.keystore.location = "%s"
          ssl.keystore.type = PKCS12
          ssl.keystore.password = "%s"
          ssl.key.password = "%s"
        """.formatted(pki.clientKeystore(), pki.password(), pki.password());
    relay(kafka.mutualTlsBootstrapServers(), properties, pki.password());
  }

  @Test
  void saslPlain() throws Exception {
    relay(kafka.saslBootstrapServers(), sasl("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule"),
        SASL_PASSWORD);
  }

  @Test
  void saslScramSha256() throws Exception {
    relay(kafka.saslBootstrapServers(), sasl("SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule"),
        SASL_PASSWORD);
  }

  /**
   * The JAAS line from a file through Kafka's own DirectoryConfigProvider, as a mounted Secret gives it.
   * The provider keys are quoted: as HOCON paths, {@code config.providers.dir.class} would replace the
   * string {@code config.providers} with an object.
   */
  @Test
  void saslScramSha512WithTheJaasLineFromAFile() throws Exception {
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(secrets.resolve("jaas"), jaas("org.apache.kafka.common.security.scram.ScramLoginModule"));
    String properties = """
          security.protocol = SASL_PLAINTEXT
          sasl.mechanism = SCRAM-SHA-512
          "config.providers" = dir
          "config.providers.dir.class" = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
          sasl.jaas.config = "${dir:%s:jaas}"
        """.formatted(secrets);
    relay(kafka.saslBootstrapServers(), properties, SASL_PASSWORD);
  }

  private static String trustOnly() {
    return """
          security.protocol = SSL
          ssl.truststore.location = "%s"
          ssl.truststore.type = PKCS12
          ssl.truststore.password = "%s"
        """.formatted(pki.truststore(), pki.password());
  }

  private static String jaas(String loginModule) {
    return loginModule + " required username=\"" + USER + "\" password=\"" + SASL_PASSWORD + "\";";
  }

  private static String sasl(String mechanism, String loginModule) {
    return """
          security.protocol = SASL_PLAINTEXT
          sasl.mechanism = %s
          sasl.jaas.config = "%s"
        """.formatted(mechanism, jaas(loginModule).replace("\"", "\\\""));
  }

  /**
   * Runs a bridge whose Kafka source and sink both use {@code bootstrap} with {@code properties},
   * relays one record from one topic to another, and checks that {@code secret} appears nowhere.
   */
  private void relay(String bootstrap, String properties, String secret) throws Exception {
    String in = "in-" + UUID.randomUUID().toString().substring(0, 8);
    String out = in.replace("in-", "out-");
    kafka.createTopic(in, 1);
    kafka.createTopic(out, 1);
    Path file = dir.resolve(in + ".conf");
    Files.writeString(file, """
        bridge {
          admin.port = 0
          kafka {
            bootstrap-servers = "%s"
            properties {
        %s    }
          }
          routes { secured { from.kafka { topics = ["%s"] }, to.kafka { topic = "%s" } } }
        }
        """.formatted(bootstrap, properties, in, out));
    BridgeConfig config = ConfigLoader.load(file);
    List<String> shown = new ArrayList<>();
    shown.add(config.toString());
    config.routes().forEach(r -> shown.add(RouteDescriptions.source(r.from()) + " -> " + RouteDescriptions.sink(r.to())));

    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Telemetry telemetry = Telemetry.forTesting(spans)) {
      Bridge bridge = Bridge.start(config, telemetry);
      try {
        await().atMost(Duration.ofSeconds(60)).until(bridge::isReady);
        byte[] payload = ("secured " + in).getBytes(UTF_8);
        TestClients.produce(kafka.bootstrapServers(), List.of(new ProducerRecord<>(in, "k".getBytes(UTF_8), payload)));
        List<ConsumerRecord<byte[], byte[]>> relayed = TestClients.consume(kafka.bootstrapServers(), out, 1);
        assertArrayEquals(payload, relayed.get(0).value());

        int port = bridge.adminPort().orElseThrow();
        shown.add(TestClients.adminGet(port, "/routes"));
        shown.add(TestClients.adminGet(port, "/metrics"));
        await().atMost(Duration.ofSeconds(30)).until(() -> spans.getFinishedSpanItems().size() >= 2);
      } finally {
        bridge.close();
      }
    }
    shown.add(spans.getFinishedSpanItems().stream().map(Object::toString).collect(Collectors.joining("\n")));
    shown.add(output.text());
    assertTrue(output.text().contains("secured"), "the bridge's log was captured");
    CapturedOutput.assertNoSecret(shown, secret);
  }
}
