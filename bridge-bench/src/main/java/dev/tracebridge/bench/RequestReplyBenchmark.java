package dev.tracebridge.bench;

import dev.tracebridge.testkit.EmbeddedKafka;
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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Request-reply through the bridge (a Kafka record → a NATS service → its reply in Kafka, a route with
 * {@code to.nats { request { } }} and {@code reply.to.kafka}) against a NATS request-reply with no bridge, at
 * the same number of outstanding requests, on brokers it starts itself. Prints a Markdown table.
 *
 * <p>One NATS service, in this JVM, answers every request with its payload. The bridge runs as a process of
 * its own through its launcher (traced: 100% sampled, OTLP/HTTP to an {@link OtlpReceiver} here; and with
 * {@code OTEL_SDK_DISABLED=true}). A requester in this JVM keeps N requests outstanding (closed loop: each reply
 * sends the next request): through the bridge, a Kafka producer ({@code linger.ms=0}) writes records with a
 * {@code kafka_correlationId} to a topic of 4 partitions (keys spread over them) and a consumer reads the replies;
 * without it, jnats {@code request} futures. A round trip is from the requester's send to its reading the reply.
 *
 * <p>Settings (system properties): {@code bench.rr.concurrency} (outstanding requests, {@code 1,16,64}),
 * {@code bench.rr.seconds} (measured per level, 5), {@code bench.rr.warmup.seconds} (2), {@code bench.rr.payload}
 * (bytes, 256), {@code bench.runs} (3), {@code bench.launcher} (bridge-cli/target/bridge/bin/bridge),
 * {@code bench.timeout.seconds} (120), {@code bench.rr.kafka.properties} (HOCON for the bridge's
 * {@code kafka.properties}, empty).
 */
public final class RequestReplyBenchmark {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final int PARTITIONS = 4;
  private static final String CORRELATION = "kafka_correlationId";

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

  /** How a round trip travels. */
  private enum Way {
    BRIDGE_TRACING("bridge, tracing on"),
    BRIDGE_NO_TRACING("bridge, OTEL_SDK_DISABLED"),
    NATS_DIRECT("NATS request-reply, no bridge");

    final String label;

    Way(String label) {
      this.label = label;
    }
  }

  /** One measured level: round trips, their latencies, the bridge's CPU over the measured interval. */
  private record Result(Way path, int concurrency, double perSecond, double p50, double p99, double cpuMicros,
                        long spansReceived, long spansExpected) {
  }

  public static void main(String[] args) throws Exception {
    Path workDir = Files.createTempDirectory("rr-bench-");
    RequestReplyBenchmark bench = new RequestReplyBenchmark(workDir);
    if (!Files.isExecutable(bench.launcher)) {
      throw new IllegalStateException(
          bench.launcher.toAbsolutePath() + " is missing: run `mvn -B -DskipTests package` first");
    }
    System.out.printf("request-reply benchmark: outstanding %s, %d s measured after %d s warm-up per level, %d B,"
            + " %d runs; bridge logs and configs in %s%n",
        bench.levels, bench.measured.toSeconds(), bench.warmup.toSeconds(),
        bench.payloadSize, bench.runs, workDir);
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
      for (int i = 1; i <= runs; i++) {
        int run = i;
        for (Way path : Way.values()) {
          String id = "rr" + (++sequence);
          String subject = "svc." + id;
          Dispatcher dispatcher = service.createDispatcher(m -> service.publish(m.getReplyTo(), m.getData()));
          dispatcher.subscribe(subject, "svc");
          service.flush(Duration.ofSeconds(5));
          try {
            List<Result> measuredRun = path == Way.NATS_DIRECT
                ? direct(requester, subject)
                : throughBridge(path, id, subject);
            measuredRun.forEach(r -> System.out.printf(Locale.ROOT,
                "run %d: %-30s outstanding %3d: %8.0f round trips/s, p50 %.2f ms, p99 %.2f ms, CPU %.0f us/rt%n",
                run, r.path.label, r.concurrency, r.perSecond, r.p50, r.p99, r.cpuMicros));
            results.addAll(measuredRun);
          } finally {
            service.closeDispatcher(dispatcher);
          }
        }
      }
    }
  }

  // ---- NATS request-reply with no bridge ----

  private List<Result> direct(Connection requester, String subject) throws InterruptedException {
    List<Result> out = new ArrayList<>();
    byte[] payload = new byte[payloadSize];
    for (int concurrency : levels) {
      Recorder recorder = new Recorder();
      long warmEnd = System.nanoTime() + warmup.toNanos();
      long end = warmEnd + measured.toNanos();
      CountDownLatch done = new CountDownLatch(concurrency);
      for (int i = 0; i < concurrency; i++) {
        fire(requester, subject, payload, recorder, warmEnd, end, done);
      }
      if (!done.await(timeout.toSeconds() + measured.toSeconds() + warmup.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("NATS requests did not finish");
      }
      out.add(recorder.result(Way.NATS_DIRECT, concurrency, Double.NaN, 0, 0));
    }
    return out;
  }

  /** One outstanding request: each reply sends the next until the end (on jnats's thread: it only records). */
  private void fire(Connection requester, String subject, byte[] payload, Recorder recorder, long warmEnd, long end,
                    CountDownLatch done) {
    long sent = System.nanoTime();
    requester.request(subject, payload).whenComplete((reply, error) -> {
      long now = System.nanoTime();
      if (error != null) {
        recorder.errors.incrementAndGet();
      } else if (sent >= warmEnd && now <= end) {
        recorder.add(now - sent);
      }
      if (now < end) {
        fire(requester, subject, payload, recorder, warmEnd, end, done);
      } else {
        done.countDown();
      }
    });
  }

  // ---- through the bridge ----

  private List<Result> throughBridge(Way path, String id, String subject) throws Exception {
    String requests = "req-" + id;
    String replies = "rep-" + id;
    kafka.createTopic(requests, PARTITIONS);
    kafka.createTopic(replies, PARTITIONS);
    try (OtlpReceiver receiver = path == Way.BRIDGE_TRACING ? OtlpReceiver.start() : null;
         KafkaRequester requester = new KafkaRequester(kafka.bootstrapServers(), requests, replies, payloadSize);
         RelayProcess bridge = startBridge(path, id, requests, replies, subject, receiver)) {
      awaitReady(bridge);
      requester.roundTrips(1, Duration.ofSeconds(2), Duration.ZERO, timeout, () -> 0); // joins, warms the path
      List<Result> out = new ArrayList<>();
      for (int concurrency : levels) {
        Recorder recorder = requester.roundTrips(concurrency, warmup, measured, timeout, bridge::cpuMicros);
        out.add(recorder.result(path, concurrency, recorder.cpuMicrosPerRoundTrip(), 0, 0));
      }
      int exit = bridge.terminate(60);
      if (exit != 0) {
        System.out.println("the bridge exited with " + exit + "; see " + bridge.log());
      }
      if (receiver != null) {
        long expected = 3 * requester.sent(); // process, request and the reply's send, warm-up included
        long received = receiver.spanCount();
        out.replaceAll(r -> new Result(r.path, r.concurrency, r.perSecond, r.p50, r.p99, r.cpuMicros, received,
            expected));
      }
      return out;
    }
  }

  private RelayProcess startBridge(Way path, String id, String requests, String replies, String subject,
                                   OtlpReceiver receiver) throws IOException {
    int adminPort = EmbeddedKafka.freePort();
    Path config = workDir.resolve(id + ".conf");
    Files.writeString(config, """
        bridge {
          admin { host = "127.0.0.1", port = %d }
          kafka.bootstrap-servers = "%s"
          kafka.properties { %s }
          nats.servers = ["%s"]
          routes {
            rr {
              from.kafka { topics = ["%s"], group-id = "bench-%s" }
              to.nats { subject = "%s", request { timeout = 10s } }
              reply.to.kafka { topic = "%s", key = "{key}" }
            }
          }
        }
        """.formatted(adminPort, kafka.bootstrapServers(), kafkaProperties, natsServer.url(), requests, id, subject,
        replies));
    Map<String, String> env = path == Way.BRIDGE_TRACING
        ? Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "OTEL_TRACES_SAMPLER", "always_on")
        : Map.of("OTEL_SDK_DISABLED", "true");
    Path log = workDir.resolve(id + "-" + path.name().toLowerCase(Locale.ROOT) + ".log");
    return RelayProcess.start(List.of(launcher.toString(), "run", "--config", config.toString()), env, log, adminPort);
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

  /**
   * The Kafka side of a requester: records with a {@code kafka_correlationId} (8 bytes, a counter) to the request
   * topic, replies read from the reply topic by a consumer that owns all its partitions. One thread does both,
   * so that each reply sends the next request at once.
   */
  private static final class KafkaRequester implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String requests;
    private final byte[] payload;
    private final Map<Long, Long> outstanding = new ConcurrentHashMap<>();
    private long next;

    KafkaRequester(String bootstrap, String requests, String replies, int payloadSize) {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("linger.ms", "0"); // a requester waiting for its answer sends at once
      this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
      Properties c = new Properties();
      c.put("bootstrap.servers", bootstrap);
      this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      for (int i = 0; i < PARTITIONS; i++) {
        partitions.add(new TopicPartition(replies, i));
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve the end now, before any reply is written
      this.requests = requests;
      this.payload = new byte[payloadSize];
    }

    /** Keeps {@code concurrency} requests outstanding for warm-up plus the measured time, then waits for the rest. */
    Recorder roundTrips(int concurrency, Duration warm, Duration measure, Duration timeout, LongSupplier cpuMicros) {
      Recorder recorder = new Recorder();
      long warmEnd = System.nanoTime() + warm.toNanos();
      long end = warmEnd + measure.toNanos();
      for (int i = 0; i < concurrency; i++) {
        send();
      }
      boolean cpuStarted = false;
      long deadline = end + timeout.toNanos();
      while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
        if (!cpuStarted && System.nanoTime() >= warmEnd) {
          recorder.cpuStart = cpuMicros.getAsLong();
          cpuStarted = true;
        }
        for (ConsumerRecord<byte[], byte[]> reply : consumer.poll(Duration.ofMillis(5))) {
          long now = System.nanoTime();
          Header h = reply.headers().lastHeader(CORRELATION);
          Long sent = h == null ? null : outstanding.remove(ByteBuffer.wrap(h.value()).getLong());
          if (sent == null) {
            recorder.errors.incrementAndGet(); // not ours, or twice: counted, not timed
            continue;
          }
          if (sent >= warmEnd && now <= end) {
            recorder.add(now - sent);
          }
          if (now < end) {
            send();
          } else if (recorder.cpuEnd < 0) {
            recorder.cpuEnd = cpuMicros.getAsLong();
          }
        }
      }
      if (recorder.cpuEnd < 0) {
        recorder.cpuEnd = cpuMicros.getAsLong();
      }
      if (!outstanding.isEmpty()) {
        throw new IllegalStateException(outstanding.size() + " requests got no reply");
      }
      return recorder;
    }

    /** Requests sent so far, warm-up included. */
    long sent() {
      return next;
    }

    private void send() {
      long id = ++next;
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(requests,
          Long.toString(id % (4 * PARTITIONS)).getBytes(), payload);
      record.headers().add(CORRELATION, ByteBuffer.allocate(8).putLong(id).array());
      outstanding.put(id, System.nanoTime());
      producer.send(record);
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(5));
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Latencies of the measured round trips (nanoseconds) and their count. */
  private static final class Recorder {
    private final List<Long> nanos = new ArrayList<>();
    final AtomicLong total = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    long cpuStart = -1;
    long cpuEnd = -1;
    private long measuredNanos = -1;
    private long first = Long.MAX_VALUE;
    private long last = Long.MIN_VALUE;

    synchronized void add(long latency) {
      nanos.add(latency);
      total.incrementAndGet();
      long now = System.nanoTime();
      first = Math.min(first, now);
      last = Math.max(last, now);
    }

    double cpuMicrosPerRoundTrip() {
      return cpuStart < 0 || cpuEnd < 0 || total.get() == 0 ? Double.NaN : (double) (cpuEnd - cpuStart) / total.get();
    }

    synchronized Result result(Way path, int concurrency, double cpuMicros, long spans, long expected) {
      measuredNanos = last - first;
      double perSecond = measuredNanos <= 0 ? Double.NaN : (nanos.size() - 1) * 1e9 / measuredNanos;
      List<Long> sorted = new ArrayList<>(nanos);
      sorted.sort(Comparator.naturalOrder());
      return new Result(path, concurrency, perSecond, percentile(sorted, 0.50), percentile(sorted, 0.99), cpuMicros,
          spans, expected);
    }

    private static double percentile(List<Long> sorted, double q) {
      if (sorted.isEmpty()) {
        return Double.NaN;
      }
      int index = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
      return sorted.get(Math.max(0, index)) / 1e6;
    }
  }

  // ---- the table ----

  private String table() {
    StringBuilder out = new StringBuilder();
    out.append("| outstanding | path | round trips/s | p50 ms | p99 ms | bridge CPU µs/round trip"
        + " | spans received / expected |\n");
    out.append("|---:|---|---:|---:|---:|---:|---:|\n");
    for (int concurrency : levels) {
      Result direct = null;
      for (Way path : List.of(Way.NATS_DIRECT, Way.BRIDGE_NO_TRACING, Way.BRIDGE_TRACING)) {
        List<Result> cell = results.stream().filter(r -> r.path == path && r.concurrency == concurrency).toList();
        if (cell.isEmpty()) {
          continue;
        }
        double rate = median(cell.stream().mapToDouble(Result::perSecond).toArray());
        Result row = new Result(path, concurrency, rate,
            median(cell.stream().mapToDouble(Result::p50).toArray()),
            median(cell.stream().mapToDouble(Result::p99).toArray()),
            median(cell.stream().mapToDouble(Result::cpuMicros).toArray()), 0, 0);
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
    out.append("\nEach cell: the median over ").append(runs)
        .append(" runs, the spread (min–max) in brackets, and on the bridge's rows the ratio to NATS without a")
        .append(" bridge.\n");
    return out.toString();
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
