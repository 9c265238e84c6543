package dev.tracebridge.bench;

import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;

/**
 * Compares the bridge with a raw-client relay ({@link BaselineRelay}) on brokers it starts itself, in one
 * run, in four directions, and prints a Markdown table. Every relay is a process of its own: the bridge
 * through its launcher with the launcher's default {@code JAVA_OPTS}, traced (100% sampled, OTLP/HTTP to
 * an {@link OtlpReceiver} here, provenance headers on) or with {@code OTEL_SDK_DISABLED=true}; the
 * baseline with the same {@code java}, once with no options and once with the launcher's JVM options (the
 * bridge's ratios are to that one). So CPU and memory are read the same way for all.
 *
 * <p>Each run of a relay drains a backlog that was written before it started (Kafka, JetStream) or, for
 * core NATS, which keeps nothing, a burst published once it subscribed, which waits in its client. With
 * the 1 KiB payload it then relays a paced stream at half the traced bridge's drain rate of the first run,
 * for the latency figures. It is a program, not a test: nothing of it runs in {@code mvn verify}.
 *
 * <p>Settings (system properties): {@code bench.messages} (backlog per run, 15000), {@code bench.runs} (3),
 * {@code bench.latency.seconds} (2, the paced phase), {@code bench.directions} (k2n,k2js,n2k,js2k),
 * {@code bench.payloads} (1024,100), {@code bench.launcher} (bridge-cli/target/bridge/bin/bridge),
 * {@code bench.timeout.seconds} (120, for each wait), {@code bench.relays} (traced,untraced,baseline,baseline-jvm),
 * {@code bench.paced.rate} (0: half the traced bridge's first drain of the direction).
 */
public final class RelayBenchmark {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final String SOURCE_STREAM = "BENCHSRC";
  private static final String DESTINATION_STREAM = "BENCHDST";
  private static final int LATENCY_PAYLOAD = 1024;

  private final int messages = Integer.getInteger("bench.messages", 15_000);
  private final int runs = Integer.getInteger("bench.runs", 3);
  private final double latencySeconds = Double.parseDouble(System.getProperty("bench.latency.seconds", "2"));
  private final Duration timeout = Duration.ofSeconds(Integer.getInteger("bench.timeout.seconds", 120));
  private final Path launcher = Path.of(System.getProperty("bench.launcher", "bridge-cli/target/bridge/bin/bridge"));
  /** JAVA_OPTS for the bridge instead of the launcher's defaults: to profile it (JFR) or try settings. */
  private final String bridgeJavaOpts = System.getProperty("bench.bridge.java-opts");
  /** JVM options for the baseline (none by default): to see what the bridge's JVM settings alone are worth. */
  private final List<String> baselineJavaOpts = Arrays.stream(System.getProperty("bench.baseline.java-opts", "")
      .split(" ")).filter(o -> !o.isBlank()).toList();
  private final List<Direction> directions = directions(System.getProperty("bench.directions", "k2n,k2js,n2k,js2k"));
  private final List<Integer> payloads = Arrays.stream(System.getProperty("bench.payloads", "1024,100").split(","))
      .map(String::trim).map(Integer::valueOf).toList();
  /** Which relays run, in this order; the traced bridge first, as its drain sets the paced rate. */
  private final List<Relay> relays =
      relays(System.getProperty("bench.relays", "traced,untraced,baseline,baseline-jvm"));
  /** The OTLP receiver decodes after the run (true) or as spans arrive, in this JVM, which also times arrivals. */
  private final boolean deferDecoding = Boolean.parseBoolean(System.getProperty("bench.otlp.defer-decoding", "true"));
  /** A fixed rate for every paced phase (messages a second), so that two runs compare at the same rate. */
  /** More settings for the bridge's route, HOCON, e.g. {@code in-flight.max-messages = 1000}. */
  private final String routeSettings = System.getProperty("bench.route.settings", "");
  private final double fixedPacedRate = Double.parseDouble(System.getProperty("bench.paced.rate", "0"));

  private final Map<Direction, Double> pacedRates = new EnumMap<>(Direction.class);
  private final List<Measurement> measurements = new ArrayList<>();
  private final Path workDir;
  private EmbeddedKafka kafka;
  private NatsServers natsServer;
  private Connection nats;
  private int sequence;

  private RelayBenchmark(Path workDir) {
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    Path workDir = Files.createTempDirectory("relay-bench-");
    RelayBenchmark bench = new RelayBenchmark(workDir);
    if (!Files.isExecutable(bench.launcher)) {
      throw new IllegalStateException(bench.launcher.toAbsolutePath() + " is missing: run `mvn -B -DskipTests package` first");
    }
    System.out.printf("relay benchmark: %d messages a run, %d runs, paced phase %.0f s; relay logs and configs in %s%n",
        bench.messages, bench.runs, bench.latencySeconds, workDir);
    long start = System.nanoTime();
    bench.run();
    System.out.printf("%nfinished in %.0f s; paced rates (half the traced bridge's first drain): %s%n%n",
        (System.nanoTime() - start) / 1e9, bench.pacedRates);
    System.out.println(new Table(bench.measurements).markdown(bench.directions, bench.payloads));
  }

  private void run() throws Exception {
    try (EmbeddedKafka k = EmbeddedKafka.start(); NatsServers n = NatsServers.start();
         Connection connection = Nats.connect(n.url())) {
      kafka = k;
      natsServer = n;
      nats = connection;
      JetStreamManagement jsm = nats.jetStreamManagement();
      jsm.addStream(StreamConfiguration.builder().name(SOURCE_STREAM).subjects("jsrc.>").storageType(StorageType.File).build());
      jsm.addStream(StreamConfiguration.builder().name(DESTINATION_STREAM).subjects("jdst.>")
          .storageType(StorageType.File).build());
      for (int run = 1; run <= runs; run++) {
        for (Direction direction : directions) {
          for (int payload : payloads) {
            // the traced bridge first: its first drain sets the direction's paced rate for everyone
            for (Relay relay : relays) {
              Measurement m = measure(direction, relay, payload);
              measurements.add(m);
              System.out.println("run " + run + ": " + m.summary());
            }
          }
        }
      }
    }
  }

  private Measurement measure(Direction direction, Relay relay, int payload) throws Exception {
    String id = "r" + (++sequence);
    long salt = ThreadLocalRandom.current().nextLong() | 1L;
    String source = name(direction.from, id, true);
    String destination = name(direction.to, id, false);
    AtomicReference<RelayProcess> process = new AtomicReference<>();
    try (OtlpReceiver receiver = relay != Relay.BRIDGE_TRACING ? null
        : deferDecoding ? OtlpReceiver.startDeferred() : OtlpReceiver.start();
         Source src = direction.from == Direction.Kind.KAFKA
             ? Source.kafka(kafka.bootstrapServers(), source, payload, salt)
             : Source.nats(direction.from, nats, source, payload, salt);
         Sink sink = new Sink(messages, () -> process.get() == null ? -1 : process.get().cpuMicros())) {
      if (direction.to == Direction.Kind.KAFKA) {
        kafka.createTopic(destination, 1);
        sink.watchKafka(kafka.bootstrapServers(), destination);
      } else {
        sink.watchNats(nats, destination);
      }
      if (direction.from == Direction.Kind.KAFKA) {
        kafka.createTopic(source, 1);
      }
      boolean burst = direction.from == Direction.Kind.NATS;
      if (!burst) {
        src.send(0, messages, 0); // the backlog is there before the relay starts
      }
      process.set(start(direction, relay, id, source, destination, receiver));
      int exit;
      try (RelayProcess relayProcess = process.get()) {
        if (burst) {
          awaitReady(relay, relayProcess);
          // ready means subscribed, not that the server has processed the SUB yet: leave it a moment
          TimeUnit.MILLISECONDS.sleep(250);
          src.send(0, messages, 0);
        }
        sink.awaitBacklog(timeout);
        if (payload == LATENCY_PAYLOAD && relay == Relay.BRIDGE_TRACING && !pacedRates.containsKey(direction)
            && !Double.isNaN(sink.drainRate())) {
          pacedRates.put(direction, Math.floor(sink.drainRate() / 2)); // the traced bridge's first drain
        }
        if (fixedPacedRate > 0) {
          pacedRates.put(direction, fixedPacedRate);
        }
        double pacedRate = payload == LATENCY_PAYLOAD ? pacedRates.getOrDefault(direction, 0.0) : 0.0;
        int paced = (int) (pacedRate * latencySeconds);
        if (paced > 0) {
          settle(relayProcess);
          sink.expectPaced(paced);
          src.send(messages, paced, pacedRate);
          sink.awaitPaced(timeout);
        }
        int slowest = Integer.getInteger("bench.slowest", 0);
        if (slowest > 0 && paced > 0) {
          System.out.println(relay.label() + ", slowest paced messages (sent at ms : latency ms): "
              + sink.slowest(slowest));
        }
        double rss = relayProcess.peakRssKib() / 1024.0;
        exit = relayProcess.terminate(60);
        long expected = relay == Relay.BRIDGE_TRACING ? 2L * (sink.backlogSeen() + sink.pacedSeen()) : 0;
        return new Measurement(direction, payload, relay, sink.drainRate(), sink.cpuMicrosPerMessage(),
            sink.latencyMillis(0.50), sink.latencyMillis(0.99), sink.latencyMillis(0.999), rss,
            receiver == null ? 0 : receiver.spanCount(), expected,
            messages + paced - sink.backlogSeen() - sink.pacedSeen(), exit);
      }
    } finally {
      cleanUp(direction, source, destination);
    }
  }

  private RelayProcess start(Direction direction, Relay relay, String id, String source, String destination,
      OtlpReceiver receiver) throws IOException {
    Path log = workDir.resolve(id + "-" + relay.name().toLowerCase(Locale.ROOT) + ".log");
    if (!relay.bridge()) {
      String java = System.getenv("JAVA_HOME") == null ? "java" : System.getenv("JAVA_HOME") + "/bin/java";
      List<String> command = new ArrayList<>(List.of(java));
      command.addAll(relay == Relay.BASELINE_LAUNCHER_JVM ? launcherJvmOptions() : baselineJavaOpts);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineRelay.class.getName(),
          direction.name(), kafka.bootstrapServers(), natsServer.url(), source, destination, "bench-" + id, SOURCE_STREAM));
      return RelayProcess.start(command, Map.of(), log, 0);
    }
    BridgeConfigFile config = BridgeConfigFile.write(workDir, id, kafka.bootstrapServers(), natsServer.url(),
        routes(direction, id, source, destination));
    Map<String, String> env = new HashMap<>(relay == Relay.BRIDGE_TRACING
        ? Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "OTEL_TRACES_SAMPLER", "always_on")
        : Map.of("OTEL_SDK_DISABLED", "true"));
    if (bridgeJavaOpts != null) {
      env.put("JAVA_OPTS", bridgeJavaOpts);
    }
    return RelayProcess.start(List.of(launcher.toString(), "run", "--config", config.path().toString()), env, log,
        config.adminPort());
  }

  private String routes(Direction direction, String id, String source, String destination) {
    String from = switch (direction.from) {
      case KAFKA -> "topics = [\"" + source + "\"], group-id = \"bench-" + id + "\"";
      case NATS -> "subject = \"" + source + "\"";
      case JETSTREAM -> "stream = \"" + SOURCE_STREAM + "\", subject = \"" + source + "\", durable = \"bench-" + id + "\"";
    };
    String to = (direction.to == Direction.Kind.KAFKA ? "topic" : "subject") + " = \"" + destination + "\"";
    return """
        routes {
          bench {
            from.%s { %s }
            to.%s { %s }
            %s
          }
        }
        """.formatted(direction.from.configName(), from, direction.to.configName(), to, routeSettings);
  }

  /**
   * Waits until the relay is idle after the drain (under a fifth of a core over 250 ms, at most 15 s), so that
   * the paced phase measures the latency at that rate and not the end of the drain: the traced bridge's
   * exporter is still sending the drain's spans for a second or more after the last message arrived, and
   * the slowest paced messages were all in the first 400 ms of the phase without this wait.
   */
  private static void settle(RelayProcess process) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    long before = process.cpuMicros();
    while (System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(250); // sampling another process's CPU time: there is nothing to wait on
      long now = process.cpuMicros();
      if (now - before < 50_000) {
        return;
      }
      before = now;
    }
    System.out.println("the relay did not settle within 15 s after the drain; the paced phase starts anyway");
  }

  /**
   * A core NATS burst is only a backlog when the relay already subscribed: the bridge says so on
   * /readyz, the baseline in its log once its subscription was flushed.
   */
  private void awaitReady(Relay relay, RelayProcess process) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.alive()) {
      if (relay.bridge() ? readyz(process) : process.logged(BaselineRelay.READY)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling an outside process that has no way to call back
    }
    throw new IllegalStateException(relay.label() + " did not get ready; see " + process.log());
  }

  private boolean readyz(RelayProcess process) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.adminPort() + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The JVM options the launcher puts before {@code JAVA_OPTS} (its {@code default_*} variables), read from
   * the launcher itself so that the fair baseline follows any change there.
   */
  private List<String> launcherJvmOptions() throws IOException {
    List<String> options = new ArrayList<>();
    for (String line : Files.readAllLines(launcher)) {
      if (line.startsWith("default_") && line.contains("=\"")) {
        String value = line.substring(line.indexOf("=\"") + 2, line.lastIndexOf('"'));
        Arrays.stream(value.split(" ")).filter(o -> !o.isBlank()).forEach(options::add);
      }
    }
    if (options.isEmpty()) {
      throw new IllegalStateException("no default_* JVM options found in " + launcher);
    }
    return options;
  }

  private static List<Relay> relays(String list) {
    Map<String, Relay> byShortName = Map.of("traced", Relay.BRIDGE_TRACING, "untraced", Relay.BRIDGE_NO_TRACING,
        "baseline", Relay.BASELINE, "baseline-jvm", Relay.BASELINE_LAUNCHER_JVM);
    return Arrays.stream(list.split(",")).map(String::trim).map(name -> {
      Relay relay = byShortName.get(name);
      if (relay == null) {
        throw new IllegalArgumentException("bench.relays: unknown '" + name + "'; use traced, untraced, baseline,"
            + " baseline-jvm");
      }
      return relay;
    }).toList();
  }

  /** The source or destination of one run: its own topic, subject and consumer, so no run sees another's. */
  private static String name(Direction.Kind kind, String id, boolean source) {
    return switch (kind) {
      case KAFKA -> (source ? "src-" : "dst-") + id;
      case NATS -> (source ? "csrc." : "cdst.") + id;
      case JETSTREAM -> (source ? "jsrc." : "jdst.") + id;
    };
  }

  /** Deletes the run's topics and purges the streams, so that 70-odd runs do not fill the disk. */
  private void cleanUp(Direction direction, String source, String destination) {
    List<String> topics = new ArrayList<>();
    if (direction.from == Direction.Kind.KAFKA) {
      topics.add(source);
    }
    if (direction.to == Direction.Kind.KAFKA) {
      topics.add(destination);
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
      JetStreamManagement jsm = nats.jetStreamManagement();
      jsm.purgeStream(SOURCE_STREAM);
      jsm.purgeStream(DESTINATION_STREAM);
    } catch (Exception e) {
      System.out.println("clean-up after a run failed (the next runs use other names): " + e);
    }
  }

  private static List<Direction> directions(String list) {
    Map<String, Direction> byShortName = Map.of("k2n", Direction.KAFKA_TO_NATS, "k2js", Direction.KAFKA_TO_JETSTREAM,
        "n2k", Direction.NATS_TO_KAFKA, "js2k", Direction.JETSTREAM_TO_KAFKA);
    return Arrays.stream(list.split(",")).map(String::trim).map(name -> {
      Direction direction = byShortName.get(name);
      if (direction == null) {
        throw new IllegalArgumentException("bench.directions: unknown '" + name + "'; use k2n, k2js, n2k, js2k");
      }
      return direction;
    }).toList();
  }
}
