package dev.tracebridge.testkit.faults;

import dev.tracebridge.testkit.EmbeddedKafka;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft broker that can be stopped and started again on the same ports with the same
 * log directory, keeping topics, records and committed offsets, as a real broker restart does. The
 * kit's {@link EmbeddedKafka} cannot: its {@code close()} deletes the log directory and {@code start()}
 * formats a fresh one, so a broker "restarted" with it is an empty cluster. The broker settings are
 * EmbeddedKafka's.
 */
public final class RestartableKafka implements AutoCloseable {

  private static final String HOST = "127.0.0.1";
  private static final int NODE_ID = 1;

  private final int port = EmbeddedKafka.freePort();
  private final int controllerPort = EmbeddedKafka.freePort();
  private final Path logDir;
  private final KafkaConfig config;
  private KafkaRaftServer server;

  private RestartableKafka() throws Exception {
    logDir = Files.createTempDirectory("restartable-kafka-");
    config = KafkaConfig.fromProps(properties());
    new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(NODE_ID)
        .setClusterId(Uuid.randomUuid().toString())
        .setDirectories(List.of(logDir.toString()))
        .setMetadataLogDirectory(config.metadataLogDir())
        .setControllerListenerName("CONTROLLER")
        .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .run();
  }

  /** Formats a log directory and starts the broker on free ports. */
  public static RestartableKafka start() throws Exception {
    RestartableKafka kafka = new RestartableKafka();
    kafka.startBroker();
    return kafka;
  }

  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public synchronized boolean running() {
    return server != null;
  }

  /** Stops the broker (controlled shutdown), keeping its log directory. */
  public synchronized void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /** Starts the broker again on the same ports and log directory and waits until it serves. */
  public synchronized void startBroker() throws Exception {
    if (server != null) {
      return;
    }
    server = new KafkaRaftServer(config, Time.SYSTEM);
    server.startup();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
    }
  }

  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      try (Stream<Path> paths = Files.walk(logDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private Properties properties() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "true");
    p.put("num.partitions", "1");
    return p;
  }
}
