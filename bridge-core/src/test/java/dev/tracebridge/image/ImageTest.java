package dev.tracebridge.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Builds the image from the repository's {@code Dockerfile} and relays a Kafka record through it into
 * NATS, each broker in its own container on one Docker network: what the file tests cannot show (that
 * the image builds, starts as its non-root user with its default command, reads a mounted config, gets
 * ready and relays, and that {@code docker stop} drains it to exit status 0).
 *
 * <p>It needs a Docker engine. Where none runs (this project's CI, machines with only the docker client)
 * it is skipped by {@link #assumeDockerEngine()}, which costs a socket lookup, so the build is not slowed. The
 * first run builds the image with Maven inside Docker and takes minutes, hence its own timeout.
 */
class ImageTest {

  private static final String ROUTES = """
      bridge {
        service-name = "bridge-image-test"
        kafka.bootstrap-servers = ${KAFKA_BOOTSTRAP_SERVERS}
        nats.servers = ${NATS_URL}
        routes {
          orders-to-nats {
            from.kafka { topics = ["image-orders"] }
            to.nats { subject = "image.orders.{key}" }
          }
        }
      }
      """;

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  /** In the test itself rather than in a {@code @BeforeAll}, so that the report counts it as skipped, with why. */
  private static void assumeDockerEngine() {
    assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
        "no Docker engine reachable (only the docker client, or none): the image cannot be built here");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void theImageRelaysFromKafkaToNatsAndStopsCleanly() throws Exception {
    assumeDockerEngine();
    try (Network network = Network.newNetwork();
        KafkaContainer kafka = new KafkaContainer("apache/kafka:3.9.1")
            .withNetwork(network)
            .withListener("kafka:19092");
        GenericContainer<?> nats = new GenericContainer<>("nats:2.10")
            .withCommand("-js")
            .withNetwork(network)
            .withNetworkAliases("nats")
            .withExposedPorts(4222)
            .waitingFor(Wait.forLogMessage(".*Server is ready.*", 1))) {
      kafka.start();
      nats.start();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("image-orders", 1, (short) 1))).all().get(1, TimeUnit.MINUTES);
      }

      ImageFromDockerfile image = new ImageFromDockerfile("tracebridge/bridge-image-test", false)
          .withDockerfile(repositoryRoot().resolve("Dockerfile"));
      try (GenericContainer<?> bridge = new GenericContainer<>(image)
          .withNetwork(network)
          .withEnv("KAFKA_BOOTSTRAP_SERVERS", "kafka:19092")
          .withEnv("NATS_URL", "nats://nats:4222")
          .withEnv("OTEL_TRACES_EXPORTER", "none")
          .withCopyToContainer(Transferable.of(ROUTES), "/etc/bridge/routes.conf")
          .withExposedPorts(8080)
          .waitingFor(Wait.forHttp("/readyz").forPort(8080).forStatusCode(200)
              .withStartupTimeout(Duration.ofMinutes(2)));
          Connection connection = Nats.connect("nats://" + nats.getHost() + ":" + nats.getMappedPort(4222))) {
        bridge.start();
        Subscription subscription = connection.subscribe("image.orders.>");
        connection.flush(Duration.ofSeconds(5));

        byte[] payload = "{\"order\":42}".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
          ProducerRecord<String, byte[]> record = new ProducerRecord<>("image-orders", "order-42", payload);
          record.headers().add("traceparent", TRACEPARENT.getBytes(StandardCharsets.US_ASCII));
          producer.send(record).get(1, TimeUnit.MINUTES);
        }

        Message message = subscription.nextMessage(Duration.ofMinutes(1));
        assertNotNull(message, "nothing relayed to NATS within a minute; bridge log:\n" + bridge.getLogs());
        assertEquals("image.orders.order-42", message.getSubject());
        assertArrayEquals(payload, message.getData());
        String traceparent = message.getHeaders().getFirst("traceparent");
        assertEquals(TRACE_ID, traceparent.split("-")[1], "the trace goes on through the bridge");
        assertNotEquals(TRACEPARENT, traceparent, "the bridge's own send span is the new parent");

        // docker stop sends SIGTERM to the entrypoint; the launcher exec'd the JVM, which drains and exits 0.
        String id = bridge.getContainerId();
        bridge.getDockerClient().stopContainerCmd(id).withTimeout(40).exec();
        Long exitCode = bridge.getDockerClient().inspectContainerCmd(id).exec().getState().getExitCodeLong();
        assertEquals(0L, exitCode, "exit status after docker stop; bridge log:\n" + bridge.getLogs());
      }
    }
  }

  /** Tests run in the module directory ({@code bridge-core}); the Dockerfile is at the repository root. */
  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("Dockerfile"))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no Dockerfile above " + Path.of("").toAbsolutePath());
    return dir;
  }
}
