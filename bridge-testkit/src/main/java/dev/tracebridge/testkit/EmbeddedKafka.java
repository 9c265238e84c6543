package dev.tracebridge.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.awaitility.Awaitility;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka broker (KRaft, combined broker and controller) running inside the test JVM.
 * Each instance formats a fresh temporary log directory and deletes it on {@link #close()}, so a
 * broker started again on the same port is an empty cluster. {@link #builder()} adds SASL and TLS
 * listeners, so that the bridge's Kafka security settings are tested against a real broker.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final String HOST = "127.0.0.1";
  private static final int NODE_ID = 1;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  static {
    quietBrokerLogging();
  }

  /** The listener for SASL_PLAINTEXT clients (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  private static final String SASL_LISTENER = "SASL";
  /** The listener for TLS clients that show no certificate. */
  private static final String TLS_LISTENER = "TLS";
  /** The listener for TLS clients that must show a certificate signed by the test authority. */
  private static final String MTLS_LISTENER = "MTLS";

  private final int port;
  private final Path logDir;
  private final KafkaConfig config;
  /** Null while stopped by {@link #stop}. */
  private KafkaRaftServer server;
  /** Ports of the secured listeners, by listener name; empty for a plain broker. */
  private final Map<String, Integer> securedPorts;
  private boolean closed;

  private EmbeddedKafka(int port, Path logDir, KafkaConfig config, KafkaRaftServer server,
                        Map<String, Integer> securedPorts) {
    this.port = port;
    this.logDir = logDir;
    this.config = config;
    this.server = server;
    this.securedPorts = Map.copyOf(securedPorts);
  }

  /** Starts a broker on a free port. */
  public static EmbeddedKafka start() {
    return start(freePort());
  }

  /** Starts a broker on the given port, for tests that chose the port before the broker runs. */
  public static EmbeddedKafka start(int port) {
    return builder().port(port).start();
  }

  /** A broker with secured listeners beside the plain one, for the tests of Kafka's security settings. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Chooses the listeners of a broker. The plain listener ({@link #bootstrapServers()}) is always there:
   * the broker talks to itself and the kit's {@link #createTopic} through it. Each secured listener has
   * its own port, so one broker serves every security setting a test class needs.
   */
  public static final class Builder {
    private int port;
    private String saslUser;
    private String saslPassword;
    private TestPki pki;

    private Builder() {
    }

    /** The plain listener's port (default: a free one). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * A SASL_PLAINTEXT listener ({@link #saslBootstrapServers()}) on which {@code user} logs in with
     * {@code password} by PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. The SCRAM credentials are created with
     * the Admin API once the broker runs, as an operator would, and {@link #start()} returns only when
     * they work.
     */
    public Builder sasl(String user, String password) {
      this.saslUser = user;
      this.saslPassword = password;
      return this;
    }

    /**
     * Two SSL listeners with the server certificate of {@code pki}: one for clients without a
     * certificate ({@link #tlsBootstrapServers()}) and one that requires a client certificate signed
     * by the same authority ({@link #mutualTlsBootstrapServers()}).
     */
    public Builder ssl(TestPki pki) {
      this.pki = pki;
      return this;
    }

    public EmbeddedKafka start() {
      int plainPort = port == 0 ? freePort() : port;
      Map<String, Integer> secured = new LinkedHashMap<>();
      if (saslUser != null) {
        secured.put(SASL_LISTENER, freePort());
      }
      if (pki != null) {
        secured.put(TLS_LISTENER, freePort());
        secured.put(MTLS_LISTENER, freePort());
      }
      Path logDir = createTempDir();
      try {
        Properties properties = brokerProperties(plainPort, freePort(), logDir);
        addSecuredListeners(properties, secured);
        KafkaConfig config = KafkaConfig.fromProps(properties);
        format(config, logDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        EmbeddedKafka kafka = new EmbeddedKafka(plainPort, logDir, config, server, secured);
        kafka.awaitReady();
        if (saslUser != null) {
          kafka.createScramUser(saslUser, saslPassword);
        }
        return kafka;
      } catch (Exception e) {
        deleteRecursively(logDir);
        throw new IllegalStateException("embedded Kafka did not start on port " + plainPort, e);
      }
    }

    private void addSecuredListeners(Properties p, Map<String, Integer> secured) {
      StringBuilder listeners = new StringBuilder(p.getProperty("listeners"));
      StringBuilder advertised = new StringBuilder(p.getProperty("advertised.listeners"));
      StringBuilder protocols = new StringBuilder(p.getProperty("listener.security.protocol.map"));
      secured.forEach((name, securedPort) -> {
        String address = "," + name + "://" + HOST + ":" + securedPort;
        listeners.append(address);
        advertised.append(address);
        protocols.append(',').append(name).append(':').append(name.equals(SASL_LISTENER) ? "SASL_PLAINTEXT" : "SSL");
      });
      p.put("listeners", listeners.toString());
      p.put("advertised.listeners", advertised.toString());
      p.put("listener.security.protocol.map", protocols.toString());
      if (saslUser != null) {
        String prefix = "listener.name." + SASL_LISTENER.toLowerCase(Locale.ROOT) + ".";
        p.put(prefix + "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        p.put(prefix + "plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_" + saslUser + "=\"" + saslPassword + "\";");
        for (String scram : List.of("scram-sha-256", "scram-sha-512")) {
          p.put(prefix + scram + ".sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
      }
      if (pki != null) {
        for (String name : List.of(TLS_LISTENER, MTLS_LISTENER)) {
          String prefix = "listener.name." + name.toLowerCase(Locale.ROOT) + ".";
          p.put(prefix + "ssl.keystore.location", pki.serverKeystore().toString());
          p.put(prefix + "ssl.keystore.type", "PKCS12");
          p.put(prefix + "ssl.keystore.password", pki.password());
          p.put(prefix + "ssl.key.password", pki.password());
          p.put(prefix + "ssl.truststore.location", pki.truststore().toString());
          p.put(prefix + "ssl.truststore.type", "PKCS12");
          p.put(prefix + "ssl.truststore.password", pki.password());
          p.put(prefix + "ssl.client.auth", name.equals(MTLS_LISTENER) ? "required" : "none");
        }
      }
    }
  }

  /** A port that was free a moment ago (the usual race applies; good enough for tests). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  /** The SASL_PLAINTEXT listener of a broker built with {@link Builder#sasl}. */
  public String saslBootstrapServers() {
    return securedBootstrap(SASL_LISTENER, "sasl(...)");
  }

  /** The SSL listener without client authentication of a broker built with {@link Builder#ssl}. */
  public String tlsBootstrapServers() {
    return securedBootstrap(TLS_LISTENER, "ssl(...)");
  }

  /** The SSL listener that requires a client certificate, of a broker built with {@link Builder#ssl}. */
  public String mutualTlsBootstrapServers() {
    return securedBootstrap(MTLS_LISTENER, "ssl(...)");
  }

  private String securedBootstrap(String listener, String builderCall) {
    Integer securedPort = securedPorts.get(listener);
    if (securedPort == null) {
      throw new IllegalStateException("this broker has no " + listener + " listener: build it with " + builderCall);
    }
    return HOST + ":" + securedPort;
  }

  /** Creates a topic (replication factor 1) and returns once the broker reports it; an existing topic is fine. */
  public void createTopic(String name, int partitions) {
    try (Admin admin = admin()) {
      try {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("could not create topic " + name, e.getCause());
        }
      }
      awaitLeaders(admin, name, partitions);
    } catch (Exception e) {
      throw new IllegalStateException("could not create topic " + name, e);
    }
  }

  /**
   * Returns once the broker reports a leader for every partition. An idempotent producer that writes to a
   * partition whose leader is not ready yet gets NOT_LEADER_OR_FOLLOWER, and on a loaded machine the retries
   * that follow have been seen to end in OutOfOrderSequence until the delivery timeout: tests start on a ready topic.
   */
  private static void awaitLeaders(Admin admin, String name, int partitions) {
    Awaitility.await("a leader for every partition of " + name)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptionsInstanceOf(ExecutionException.class) // the topic is not in the metadata yet
        .until(() -> {
          TopicDescription topic = admin.describeTopics(List.of(name)).allTopicNames().get(10, TimeUnit.SECONDS)
              .get(name);
          return topic.partitions().size() >= partitions
              && topic.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        });
  }

  /**
   * Stops the broker (a controlled shutdown) and keeps its log directory, so that {@link #restart} brings
   * back its topics, records and committed offsets, as a real broker restart does.
   */
  public synchronized void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /** Starts a stopped broker again on the same ports and log directory and waits until it serves. */
  public synchronized void restart() {
    if (closed || server != null) {
      return;
    }
    server = new KafkaRaftServer(config, Time.SYSTEM);
    server.startup();
    try {
      awaitReady();
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka did not come back on port " + port, e);
    }
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** Stops the broker and deletes its log directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      deleteRecursively(logDir);
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /**
   * SCRAM-SHA-256 and SCRAM-SHA-512 credentials for {@code user}, through the plain listener. The broker
   * applies them from its metadata log a moment after the controller accepted them, so this waits until
   * a client logs in with each mechanism on the SASL listener.
   */
  private void createScramUser(String user, String password) throws Exception {
    try (Admin admin = admin()) {
      // one alteration of a user per request, the broker says
      for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
        List<UserScramCredentialAlteration> alteration =
            List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, 4096), password));
        admin.alterUserScramCredentials(alteration).all().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    for (String mechanism : List.of("SCRAM-SHA-256", "SCRAM-SHA-512")) {
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (true) {
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, saslBootstrapServers(),
            "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", mechanism,
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        try (Admin admin = Admin.create(config)) {
          admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          break;
        } catch (ExecutionException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }
  }

  /** startup() returns before the broker answers clients; wait until it lists itself as a live node. */
  private void awaitReady() throws Exception {
    try (Admin admin = admin()) {
      if (admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
        throw new IllegalStateException("broker reports no live node");
      }
    }
  }

  private static Properties brokerProperties(int port, int controllerPort, Path logDir) {
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
    // One node: every internal topic must make do with one replica, and one partition starts faster.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // Tests should not wait for group joins or pay for log housekeeping.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "true");
    p.put("num.partitions", "1");
    p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    return p;
  }

  private static void format(KafkaConfig config, Path logDir) throws Exception {
    new Formatter()
        .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
        .setNodeId(NODE_ID)
        .setClusterId(Uuid.randomUuid().toString())
        .setDirectories(List.of(logDir.toString()))
        .setMetadataLogDirectory(config.metadataLogDir())
        .setControllerListenerName("CONTROLLER")
        .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .run();
  }

  /**
   * The broker logs through slf4j at INFO, which drowns test output. The testkit adds no logging
   * backend; when the tests use slf4j-simple, these properties (read when each logger is created)
   * lower the broker's and clients' loggers to WARN. A test can still override them.
   */
  private static void quietBrokerLogging() {
    for (String logger : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "warn");
      }
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("embedded-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
