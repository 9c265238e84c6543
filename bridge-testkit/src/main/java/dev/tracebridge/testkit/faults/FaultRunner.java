package dev.tracebridge.testkit.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the faults of issue 6 against the real distribution at larger counts than CI can afford and
 * prints the tally table. It starts its own Kafka broker and nats-server on free ports. Run from the
 * repository root after {@code mvn -B -DskipTests package}; settings are system properties:
 * {@code faults.launcher} (or the first argument; default {@code bridge-cli/target/bridge/bin/bridge}),
 * {@code faults.messages} (20000), {@code faults.rate} (1000 a second), {@code faults.kills} (5),
 * {@code faults.outage.seconds} (10), {@code faults.ackwait.down.seconds} (40), {@code faults.backlog}
 * (200000), {@code faults.only} (comma-separated names below), {@code faults.seed}.
 */
public final class FaultRunner {

  private FaultRunner() {
  }

  public static void main(String[] args) throws Exception {
    Path launcher = Path.of(args.length > 0 ? args[0]
        : System.getProperty("faults.launcher", "bridge-cli/target/bridge/bin/bridge"));
    if (!Files.isExecutable(launcher)) {
      System.err.println(launcher.toAbsolutePath() + " is missing: run `mvn -B -DskipTests package` first");
      System.exit(2);
    }
    int messages = Integer.getInteger("faults.messages", 20_000);
    int rate = Integer.getInteger("faults.rate", 1_000);
    int kills = Integer.getInteger("faults.kills", 5);
    int outageSeconds = Integer.getInteger("faults.outage.seconds", 10);
    int ackWaitDown = Integer.getInteger("faults.ackwait.down.seconds", 40);
    int backlog = Integer.getInteger("faults.backlog", 200_000);
    long seed = Long.getLong("faults.seed", System.nanoTime());
    String only = System.getProperty("faults.only", "");
    Set<String> selected = only.isBlank() ? Set.of() : Set.of(only.split(","));

    Path workDir = Files.createTempDirectory("faults-");
    System.out.printf("fault runner: %d messages at %d/s, %d kills, seed %d, logs in %s%n",
        messages, rate, kills, seed, workDir);
    Scenarios.Load load = new Scenarios.Load(messages, rate, 200, Duration.ofSeconds(90));
    List<FaultResult> results = new ArrayList<>();
    try (FaultLab lab = FaultLab.start(launcher, workDir)) {
      Scenarios scenarios = new Scenarios(lab, load, seed);
      Map<String, Fault> faults = new LinkedHashMap<>();
      faults.put("kill-k2js", () -> scenarios.killsKafkaToJetStream(kills));
      faults.put("kill-js2k", () -> scenarios.killsJetStreamToKafka(kills));
      faults.put("kill-k2n", () -> scenarios.killsKafkaToNats(kills));
      faults.put("nats-restart", scenarios::natsRestart);
      faults.put("kafka-restart", scenarios::kafkaRestart);
      faults.put("stream-missing", () -> scenarios.streamMissing(outageSeconds * Math.max(1, rate)));
      faults.put("rebalance", scenarios::rebalance);
      faults.put("ackwait", () -> scenarios.kafkaDownPastAckWait(Duration.ofSeconds(ackWaitDown)));
      faults.put("backlog", () -> scenarios.backlogIntoStoppedDestination(backlog));
      faults.put("queue-group", scenarios::queueGroupIntoJetStream);
      for (Map.Entry<String, Fault> fault : faults.entrySet()) {
        if (!selected.isEmpty() && !selected.contains(fault.getKey())) {
          continue;
        }
        long start = System.nanoTime();
        FaultResult result;
        try {
          result = fault.getValue().run();
        } catch (Exception | AssertionError e) {
          result = new FaultResult(fault.getKey(), 0, 0, 0, 0, 0, 0, null, false, "run failed: " + e);
        }
        results.add(result);
        System.out.printf("%s took %d s%n%s%n", fault.getKey(), (System.nanoTime() - start) / 1_000_000_000L, result);
      }
    }
    System.out.println();
    System.out.println(FaultResult.table(results));
    System.exit(0); // client threads of brokers stopped under them must not keep the JVM alive
  }

  /** One fault run. */
  @FunctionalInterface
  private interface Fault {
    FaultResult run() throws Exception;
  }
}
