package dev.tracebridge.bench;

import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.OtlpReceiver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How long the bridge takes from its process start to {@code /readyz} answering 200, with brokers that
 * already answer: a route from a Kafka topic to core NATS and one from core NATS to a Kafka topic, each
 * started through the launcher (its JVM defaults), traced to an OTLP receiver. For the first run of each it
 * prints the bridge's log lines with their time since the process start, to show where the time goes.
 *
 * <p>Settings (system properties): {@code bench.runs} (5), {@code bench.launcher}
 * (bridge-cli/target/bridge/bin/bridge), {@code bench.bridge.java-opts} (none: {@code JAVA_OPTS}).
 */
public final class ReadinessBenchmark {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  private ReadinessBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("bench.runs", 5);
    Path launcher = Path.of(System.getProperty("bench.launcher", "bridge-cli/target/bridge/bin/bridge"));
    String javaOpts = System.getProperty("bench.bridge.java-opts");
    Path workDir = Files.createTempDirectory("readiness-bench-");
    System.out.println("readiness: " + runs + " runs a source kind; logs in " + workDir);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(); NatsServers nats = NatsServers.start();
         OtlpReceiver receiver = OtlpReceiver.startDeferred()) {
      Map<String, List<Double>> results = new LinkedHashMap<>();
      for (int run = 1; run <= runs; run++) {
        for (String kind : List.of("kafka", "nats")) {
          String id = kind + run;
          String from = kind.equals("kafka")
              ? "kafka { topics = [\"ready-" + id + "\"], group-id = \"ready-" + id + "\" }"
              : "nats { subject = \"ready." + id + "\" }";
          String to = kind.equals("kafka") ? "nats { subject = \"ready-out." + id + "\" }"
              : "kafka { topic = \"ready-out-" + id + "\" }";
          if (kind.equals("kafka")) {
            kafka.createTopic("ready-" + id, 1);
          } else {
            kafka.createTopic("ready-out-" + id, 1);
          }
          BridgeConfigFile config = BridgeConfigFile.write(workDir, id, kafka.bootstrapServers(), nats.url(),
              "routes { ready { from.%s, to.%s } }".formatted(from, to));
          int adminPort = config.adminPort();
          Path log = workDir.resolve(id + ".log");
          ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run", "--config", config.path().toString())
              .redirectErrorStream(true).redirectOutput(log.toFile());
          builder.environment().remove("JAVA_OPTS");
          builder.environment().putAll(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
              "OTEL_TRACES_SAMPLER", "always_on"));
          if (javaOpts != null) {
            builder.environment().put("JAVA_OPTS", javaOpts);
          }
          Instant startWall = Instant.now();
          long start = System.nanoTime();
          Process process = builder.start();
          double readyMillis = Double.NaN;
          try {
            long deadline = start + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && process.isAlive()) {
              if (ready(adminPort)) {
                readyMillis = (System.nanoTime() - start) / 1e6;
                break;
              }
              TimeUnit.MILLISECONDS.sleep(10); // polling another process: it has no way to call back
            }
          } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
          }
          results.computeIfAbsent(kind, k -> new ArrayList<>()).add(readyMillis);
          System.out.printf(Locale.ROOT, "run %d, %s source: ready %.0f ms after the process started%n", run, kind,
              readyMillis);
          if (run == 1) {
            printTimeline(log, startWall);
          }
        }
      }
      System.out.println();
      results.forEach((kind, times) -> {
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "%s source: ready after %.0f ms (median; %.0f–%.0f) of %d runs%n", kind,
            sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1], sorted.length);
      });
    }
  }

  private static boolean ready(int port) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
          .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The log's lines that start with a timestamp, each with the milliseconds since the process started. */
  private static void printTimeline(Path log, Instant start) throws IOException {
    for (String line : Files.readAllLines(log)) {
      String[] words = line.split(" ", 2);
      try {
        Instant at = OffsetDateTime.parse(words[0]).toInstant();
        System.out.printf(Locale.ROOT, "  %5d ms  %s%n", Duration.between(start, at).toMillis(),
            words.length > 1 ? abbreviate(words[1]) : "");
      } catch (DateTimeParseException e) {
        // a line of a multi-line message or a JVM warning: not part of the timeline
      }
    }
  }

  private static String abbreviate(String text) {
    return text.length() > 150 ? text.substring(0, 150) + "…" : text;
  }
}
