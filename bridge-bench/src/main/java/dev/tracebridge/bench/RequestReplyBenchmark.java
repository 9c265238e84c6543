package dev.tracebridge.bench;

import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.KafkaReplyService;
import dev.tracebridge.testkit.KafkaReplyService.Options;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.Admin;

/**
 * Request-reply through the bridge, in both directions, against a NATS request-reply with no bridge, at the same
 * number of outstanding requests, on brokers it starts itself. Prints a Markdown table per direction.
 *
 * <p>Kafka requester: a Kafka record → a NATS service → its reply in Kafka (a route with
 * {@code to.nats { request { } }} and {@code reply.to.kafka}). One NATS service, in this JVM, answers every
 * request with its payload; the requester, a Kafka producer ({@code linger.ms=0}), writes records with a
 * {@code kafka_correlationId} to a topic of 4 partitions (keys spread over them) and a consumer reads the replies.
 *
 * <p>NATS requester: a NATS request → a Kafka service → its reply back to the requester (a route
 * {@code from.nats { subject, queue-group }}, {@code to.kafka { topic, key }}, {@code reply.from.kafka}). A
 * {@link KafkaReplyService} in this JVM answers every request with its key and payload; the requester sends jnats
 * requests over 16 subjects, whose last token is the record key (spread over the 4 partitions).
 *
 * <p>The bridge runs as a process of its own through its launcher (traced: 100% sampled, OTLP/HTTP to an
 * {@link OtlpReceiver} here; and with {@code OTEL_SDK_DISABLED=true}). Without the bridge, jnats request futures
 * go to a NATS service in this JVM. Each requester keeps N requests outstanding (closed loop: each reply sends
 * the next request). A round trip is from the requester's send to its reading the reply.
 *
 * <p>Settings (system properties): {@code bench.rr.directions} ({@code kafka-requester,nats-requester}),
 * {@code bench.rr.concurrency} (outstanding requests, {@code 1,16,64}),
 * {@code bench.rr.seconds} (measured per level, 5), {@code bench.rr.warmup.seconds} (2), {@code bench.rr.payload}
 * (bytes, 256), {@code bench.runs} (3), {@code bench.launcher} (bridge-cli/target/bridge/bin/bridge),
 * {@code bench.timeout.seconds} (120), {@code bench.rr.kafka.properties} (HOCON for the bridge's
 * {@code kafka.properties}, empty).
 */
public final class RequestReplyBenchmark {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  static final int PARTITIONS = 4;
  static final String CORRELATION = "kafka_correlationId";
  /** The NATS requester's subjects: {@code <prefix>.0} to {@code <prefix>.15}, the last token the record key. */
  private static final int NATS_KEYS = 4 * PARTITIONS;

  private final List<Requester> requesters = Arrays.stream(System.getProperty("bench.rr.directions",
      "kafka-requester,nats-requester").split(",")).map(String::trim).map(Requester::of).toList();
  private final List<Integer> levels = Arrays.stream(System.getProperty("bench.rr.concurrency", "1,16,64").split(","))
      .map(String::trim).map(Integer::valueOf).toList();
  private final Duration measured = Duration.ofMillis((long) (1000 * Double.parseDouble(
      System.getProperty("bench.rr.seconds", "5"))));
  private final Duration warmup = Duration.ofMillis((long) (1000 * Double.parseDouble(
      System.getProperty("bench.rr.warmup.seconds", "2"))));
  private final int payloadSize = Integer.getInteger("bench.rr.payload", 256);
  private final int runs = Integer.getInteger("bench.runs", 3);
  private final Duration timeout = Duration.ofSeconds(Integer.getInteger("bench.timeout.seconds", 120));
  private final Path launcher = Path.of(System.getProperty("bench.launcher", "bridge-cli/target/bridge/bin/bridge"));
  /** HOCON lines for the bridge's {@code kafka.properties}, to try client settings ({@code "linger.ms" = 0}). */
  private final String kafkaProperties = System.getProperty("bench.rr.kafka.properties", "");

  private final Path workDir;
  private final List<Result> results = new ArrayList<>();
  private EmbeddedKafka kafka;
  private NatsServers natsServer;
  private int sequence;

  private RequestReplyBenchmark(Path workDir) {
    this.workDir = workDir;
  }

  /** Which side asks, and so the direction of the round trip. */
  enum Requester {
    KAFKA("kafka-requester", "Kafka record → NATS service → reply into Kafka", 3),
    NATS("nats-requester", "NATS request → Kafka service → NATS reply", 4);

    final String setting;
    final String label;
    /** Bridge spans per round trip: request CONSUMER, CLIENT, PRODUCER; or request and reply CONSUMER+PRODUCER. */
    final int spansPerRoundTrip;

    Requester(String setting, String label, int spansPerRoundTrip) {
      this.setting = setting;
      this.label = label;
      this.spansPerRoundTrip = spansPerRoundTrip;
    }

    static Requester of(String setting) {
      return Arrays.stream(values()).filter(r -> r.setting.equals(setting)).findFirst().orElseThrow(() ->
          new IllegalArgumentException("bench.rr.directions: " + setting + " is neither kafka-requester nor"
              + " nats-requester"));
    }
  }

  /** How a round trip travels. */
  enum Way {
    BRIDGE_TRACING("bridge, tracing on"),
    BRIDGE_NO_TRACING("bridge, OTEL_SDK_DISABLED"),
    NATS_DIRECT("NATS request-reply, no bridge");

    final String label;

    Way(String label) {
      this.label = label;
    }
  }

  /** One measured level: round trips, their latencies, the bridge's CPU over the measured interval. */
  record Result(Requester requester, Way path, int concurrency, double perSecond, double p50, double p99,
                double cpuMicros, long errors, long spansReceived, long spansExpected) {

    Result withSpans(long received, long expected) {
      return new Result(requester, path, concurrency, perSecond, p50, p99, cpuMicros, errors, received, expected);
    }
  }

  public static void main(String[] args) throws Exception {
    Path workDir = Files.createTempDirectory("rr-bench-");
    RequestReplyBenchmark bench = new RequestReplyBenchmark(workDir);
    if (!Files.isExecutable(bench.launcher)) {
      throw new IllegalStateException(
          bench.launcher.toAbsolutePath() + " is missing: run `mvn -B -DskipTests package` first");
    }
    System.out.printf("request-reply benchmark: %s, outstanding %s, %d s measured after %d s warm-up per level, %d B,"
            + " %d runs; bridge logs and configs in %s%n",
        bench.requesters.stream().map(r -> r.setting).toList(), bench.levels, bench.measured.toSeconds(),
        bench.warmup.toSeconds(), bench.payloadSize, bench.runs, workDir);
    long start = System.nanoTime();
    bench.run();
    System.out.printf("%nfinished in %.0f s%n%n", (System.nanoTime() - start) / 1e9);
    System.out.println(bench.table());
  }

  private void run() throws Exception {
    try (EmbeddedKafka k = EmbeddedKafka.start(); NatsServers n = NatsServers.start();
         Connection service = Nats.connect(n.url()); Connection requester = Nats.connect(n.url())) {
      kafka = k;
      natsServer = n;
      for (int run = 1; run <= runs; run++) {
        // NATS without a bridge is one measurement, the baseline of both directions' tables
        String id = "rr" + (++sequence);
        try (NatsService svc = new NatsService(service, "svc." + id)) {
          report(run, direct(requester, svc.subject));
        }
        for (Requester side : requesters) {
          for (Way path : List.of(Way.BRIDGE_NO_TRACING, Way.BRIDGE_TRACING)) {
            report(run, throughBridge(side, path, "rr" + (++sequence), service, requester));
          }
        }
      }
    }
  }

  private void report(int run, List<Result> measuredRun) {
    measuredRun.forEach(r -> System.out.printf(Locale.ROOT, "run %d: %-16s %-30s outstanding %3d: %8.0f round trips/s,"
            + " p50 %.2f ms, p99 %.2f ms, CPU %.0f us/rt, %d failed%n", run,
        r.requester == null ? "" : r.requester.setting, r.path.label, r.concurrency, r.perSecond, r.p50, r.p99,
        r.cpuMicros, r.errors));
    results.addAll(measuredRun);
  }

  /** A NATS service in this JVM that answers each request on {@code subject} with its payload. */
  private static final class NatsService implements AutoCloseable {
    final String subject;
    private final Connection connection;
    private final Dispatcher dispatcher;

    NatsService(Connection connection, String subject) throws Exception {
      this.connection = connection;
      this.subject = subject;
      this.dispatcher = connection.createDispatcher(m -> connection.publish(m.getReplyTo(), m.getData()));
      dispatcher.subscribe(subject, "svc");
      connection.flush(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
      connection.closeDispatcher(dispatcher);
    }
  }

  // ---- NATS request-reply with no bridge ----

  private List<Result> direct(Connection connection, String subject) throws InterruptedException {
    NatsRequester requester = new NatsRequester(connection, List.of(subject), payloadSize);
    List<Result> out = new ArrayList<>();
    for (int concurrency : levels) {
      Recorder recorder = requester.roundTrips(concurrency, warmup, measured, timeout, () -> 0);
      out.add(recorder.result(null, Way.NATS_DIRECT, concurrency, Double.NaN));
    }
    return out;
  }

  // ---- through the bridge ----

  private List<Result> throughBridge(Requester side, Way path, String id, Connection service, Connection natsClient)
      throws Exception {
    String requests = "req-" + id;
    String replies = "rep-" + id;
    kafka.createTopic(requests, PARTITIONS);
    kafka.createTopic(replies, PARTITIONS);
    List<Result> out = new ArrayList<>();
    long sent;
    try (OtlpReceiver receiver = path == Way.BRIDGE_TRACING ? OtlpReceiver.start() : null) {
      if (side == Requester.KAFKA) {
        try (NatsService svc = new NatsService(service, "svc." + id);
             KafkaRequester requester = new KafkaRequester(kafka.bootstrapServers(), requests, replies, payloadSize);
             RelayProcess bridge = startBridge(path, id, route(side, id, requests, replies, svc.subject), receiver)) {
          awaitReady(bridge);
          requester.roundTrips(1, Duration.ofSeconds(2), Duration.ZERO, timeout, () -> 0); // joins, warms the path
          for (int concurrency : levels) {
            Recorder recorder = requester.roundTrips(concurrency, warmup, measured, timeout, bridge::cpuMicros);
            out.add(recorder.result(side, path, concurrency, recorder.cpuMicrosPerRoundTrip()));
          }
          stop(bridge);
          sent = requester.sent();
        }
      } else {
        List<String> subjects = new ArrayList<>();
        for (int key = 0; key < NATS_KEYS; key++) {
          subjects.add("rq." + id + "." + key);
        }
        NatsRequester requester = new NatsRequester(natsClient, subjects, payloadSize);
        try (KafkaReplyService svc = new KafkaReplyService(kafka.bootstrapServers(), requests, Options.echo());
             RelayProcess bridge = startBridge(path, id, route(side, id, requests, replies, null), receiver)) {
          awaitReady(bridge);
          awaitReplyGroup("bench-" + id + "-replies", bridge); // else the first answers have no reader yet
          requester.roundTrips(1, Duration.ofSeconds(2), Duration.ZERO, timeout, () -> 0); // warms the path
          for (int concurrency : levels) {
            Recorder recorder = requester.roundTrips(concurrency, warmup, measured, timeout, bridge::cpuMicros);
            out.add(recorder.result(side, path, concurrency, recorder.cpuMicrosPerRoundTrip()));
          }
          stop(bridge);
          sent = requester.sent();
        }
      }
      if (receiver != null) {
        long expected = side.spansPerRoundTrip * sent; // warm-up included
        long received = receiver.spanCount();
        out.replaceAll(r -> r.withSpans(received, expected));
      }
    }
    return out;
  }

  private static void stop(RelayProcess bridge) throws InterruptedException {
    int exit = bridge.terminate(60);
    if (exit != 0) {
      System.out.println("the bridge exited with " + exit + "; see " + bridge.log());
    }
  }

  /** The route under test: its {@code from}, {@code to} and {@code reply} blocks. */
  private static String route(Requester side, String id, String requests, String replies, String serviceSubject) {
    return side == Requester.KAFKA ? """
        from.kafka { topics = ["%s"], group-id = "bench-%s" }
        to.nats { subject = "%s", request { timeout = 10s } }
        reply.to.kafka { topic = "%s", key = "{key}" }
        """.formatted(requests, id, serviceSubject, replies) : """
        from.nats { subject = "rq.%s.>", queue-group = "bridge" }
        to.kafka { topic = "%s", key = "{subject[2]}" }
        reply.from.kafka { topic = "%s", group-id = "bench-%s-replies" }
        """.formatted(id, requests, replies, id);
  }

  private RelayProcess startBridge(Way path, String id, String route, OtlpReceiver receiver) throws IOException {
    BridgeConfigFile config = BridgeConfigFile.write(workDir, id, kafka.bootstrapServers(), natsServer.url(), """
        kafka.properties { %s }
        routes.rr {
        %s}
        """.formatted(kafkaProperties, route.indent(2)));
    Map<String, String> env = path == Way.BRIDGE_TRACING
        ? Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "OTEL_TRACES_SAMPLER", "always_on")
        : Map.of("OTEL_SDK_DISABLED", "true");
    Path log = workDir.resolve(id + "-" + path.name().toLowerCase(Locale.ROOT) + ".log");
    return RelayProcess.start(List.of(launcher.toString(), "run", "--config", config.path().toString()), env, log,
        config.adminPort());
  }

  /** Waits until the bridge's reply relay committed its start position on every reply partition. */
  private void awaitReplyGroup(String group, RelayProcess process) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      while (System.nanoTime() < deadline && process.alive()) {
        if (admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).size()
            == PARTITIONS) {
          return;
        }
        TimeUnit.MILLISECONDS.sleep(50); // polling an outside process that has no way to call back
      }
    }
    throw new IllegalStateException("the bridge's reply relay did not start; see " + process.log());
  }

  private void awaitReady(RelayProcess process) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.alive()) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.adminPort() + "/readyz"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling an outside process that has no way to call back
    }
    throw new IllegalStateException("the bridge did not get ready; see " + process.log());
  }

  // ---- the table ----

  private String table() {
    StringBuilder out = new StringBuilder();
    for (Requester side : requesters) {
      out.append(side.setting).append(": ").append(side.label).append(" (").append(side.spansPerRoundTrip)
          .append(" bridge spans per round trip)\n\n");
      table(side, out);
      out.append('\n');
    }
    out.append("Each cell: the median over ").append(runs)
        .append(" runs, the spread (min–max) in brackets, and on the bridge's rows the ratio to NATS without a")
        .append(" bridge (one measurement, the same row in each table).\n");
    return out.toString();
  }

  private void table(Requester side, StringBuilder out) {
    out.append("| outstanding | path | round trips/s | p50 ms | p99 ms | bridge CPU µs/round trip"
        + " | spans received / expected |\n");
    out.append("|---:|---|---:|---:|---:|---:|---:|\n");
    for (int concurrency : levels) {
      Result direct = null;
      for (Way path : List.of(Way.NATS_DIRECT, Way.BRIDGE_NO_TRACING, Way.BRIDGE_TRACING)) {
        List<Result> cell = results.stream().filter(r -> r.path == path && r.concurrency == concurrency
            && (path == Way.NATS_DIRECT || r.requester == side)).toList();
        if (cell.isEmpty()) {
          continue;
        }
        double rate = median(cell.stream().mapToDouble(Result::perSecond).toArray());
        Result row = new Result(side, path, concurrency, rate,
            median(cell.stream().mapToDouble(Result::p50).toArray()),
            median(cell.stream().mapToDouble(Result::p99).toArray()),
            median(cell.stream().mapToDouble(Result::cpuMicros).toArray()), 0, 0, 0);
        if (path == Way.NATS_DIRECT) {
          direct = row;
        }
        long spans = cell.stream().mapToLong(Result::spansReceived).sum();
        long expected = cell.stream().mapToLong(Result::spansExpected).sum();
        out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s |%n", concurrency, path.label,
            cell(cell, Result::perSecond, row.perSecond, direct == row ? Double.NaN : ratio(row.perSecond, direct)),
            cell(cell, Result::p50, row.p50, direct == row || direct == null ? Double.NaN : row.p50 / direct.p50),
            cell(cell, Result::p99, row.p99, direct == row || direct == null ? Double.NaN : row.p99 / direct.p99),
            Double.isNaN(row.cpuMicros) ? "—" : format(row.cpuMicros),
            path == Way.BRIDGE_TRACING ? spans + " / " + expected : "—"));
      }
    }
  }

  private static double ratio(double value, Result direct) {
    return direct == null ? Double.NaN : value / direct.perSecond;
  }

  private static String cell(List<Result> cell, ToDoubleFunction<Result> f, double median,
                             double ratio) {
    double min = cell.stream().mapToDouble(f).min().orElse(Double.NaN);
    double max = cell.stream().mapToDouble(f).max().orElse(Double.NaN);
    String text = format(median) + (cell.size() > 1 ? " (" + format(min) + "–" + format(max) + ")" : "");
    return Double.isNaN(ratio) ? text : text + String.format(Locale.ROOT, " %.2f×", ratio);
  }

  private static double median(double[] values) {
    double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static String format(double v) {
    if (Double.isNaN(v)) {
      return "—";
    }
    if (v >= 10_000) {
      return String.format(Locale.ROOT, "%.1fk", v / 1000);
    }
    if (v >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
