package dev.tracebridge.testkit.faults;

import static org.awaitility.Awaitility.await;

import dev.tracebridge.testkit.NatsServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The faults of issue 6, each a run that returns its tally. The runner runs them at large counts; the
 * fault ITs at small ones. Each uses its own topics, streams and routes, so they can share one lab.
 * Fault moments are chosen by how much the driver has sent, not by the clock, so that a loaded machine
 * shifts them in time but not in the stream.
 */
public final class Scenarios {

  private static final int PARTITIONS = 3;
  private static final int LANES = 6;

  private final FaultLab lab;
  private final Load load;
  private final Random random;

  /**
   * How much a run sends.
   *
   * @param messages     messages per run
   * @param perSecond    the driver's rate (0: as fast as it goes)
   * @param payloadBytes each payload's size
   * @param settle       how long to wait for the destination to hold everything
   */
  public record Load(int messages, int perSecond, int payloadBytes, Duration settle) {
  }

  public Scenarios(FaultLab lab, Load load, long seed) {
    this.lab = lab;
    this.load = load;
    this.random = new Random(seed);
  }

  /** SIGKILL of the bridge at {@code kills} random moments, Kafka to JetStream. */
  public FaultResult killsKafkaToJetStream(int kills) throws Exception {
    String name = "kill-k2js";
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("KILLK2JS", "kill-k2js.>");
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, kafkaToJetStream(name, name, "kill-k2js", name + ".dlq"));
    try (KafkaDriver driver = new KafkaDriver(lab.kafka().bootstrapServers(), name, PARTITIONS, run, load.payloadBytes());
         Checker dest = new JetStreamChecker(lab.nats().url(), "KILLK2JS", "kill-k2js.>", run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run)) {
      return killRun("SIGKILL x" + kills + " Kafka→JetStream", name, config, port, kills, driver.sent(),
          driver::attempted, driver::done, () -> driver.start(load.messages(), load.perSecond()), dest, dlq,
          "≤ in-flight per crash, dedup by Nats-Msg-Id: expected 0 duplicates");
    }
  }

  /** SIGKILL of the bridge at {@code kills} random moments, JetStream to Kafka. */
  public FaultResult killsJetStreamToKafka(int kills) throws Exception {
    String name = "kill-js2k";
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("KILLJS2K", "killsrc.>");
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, jetStreamToKafka(name, "KILLJS2K", "killsrc.>", name, name + ".dlq"));
    try (NatsDriver driver = NatsDriver.jetStream(lab.nats().url(), "killsrc", LANES, run, load.payloadBytes());
         Checker dest = new KafkaChecker(lab.kafka().bootstrapServers(), name, PARTITIONS, run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run)) {
      return killRun("SIGKILL x" + kills + " JetStream→Kafka", name, config, port, kills, driver.sent(),
          driver::attempted, driver::done, () -> driver.start(load.messages(), load.perSecond()), dest, dlq,
          "duplicates allowed: ≤ in-flight per crash");
    }
  }

  /** SIGKILL of the bridge at {@code kills} random moments, Kafka to core NATS. */
  public FaultResult killsKafkaToNats(int kills) throws Exception {
    String name = "kill-k2n";
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, """
        %s {
          from.kafka { topics = ["%s"], properties { session.timeout.ms = 6000 } }
          to.nats { subject = "kill-k2n.{partition}" }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(name, name, name + ".dlq"));
    try (KafkaDriver driver = new KafkaDriver(lab.kafka().bootstrapServers(), name, PARTITIONS, run, load.payloadBytes());
         Checker dest = new NatsChecker(lab.nats().url(), "kill-k2n.>", run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run)) {
      return killRun("SIGKILL x" + kills + " Kafka→NATS core", name, config, port, kills, driver.sent(),
          driver::attempted, driver::done, () -> driver.start(load.messages(), load.perSecond()), dest, dlq,
          "duplicates allowed: ≤ in-flight per crash");
    }
  }

  /** The nats-server (destination, Kafka to JetStream) restarted a third of the way through. */
  public FaultResult natsRestart() throws Exception {
    return brokerRestart("nats-restart", "NATS server restart, Kafka→JetStream", "NATSRESTART", lab::restartNats);
  }

  /** The Kafka broker (source, Kafka to JetStream) stopped and started a third of the way through. */
  public FaultResult kafkaRestart() throws Exception {
    return brokerRestart("kafka-restart", "Kafka restart, Kafka→JetStream", "KAFKARESTART", () -> {
      lab.kafka().stop();
      lab.kafka().restart();
    });
  }

  /**
   * The destination stream's subjects moved away while the driver sends {@code outageMessages}, then
   * restored: every publish meanwhile is answered "no responders", a transient error.
   */
  public FaultResult streamMissing(int outageMessages) throws Exception {
    String name = "stream-missing";
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("MISSING", "missing.>");
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, kafkaToJetStream(name, name, "missing", name + ".dlq"));
    try (KafkaDriver driver = new KafkaDriver(lab.kafka().bootstrapServers(), name, PARTITIONS, run, load.payloadBytes());
         Checker dest = new JetStreamChecker(lab.nats().url(), "MISSING", "missing.>", run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run);
         BridgeProcess bridge = lab.readyBridge(name, config, port, Duration.ofSeconds(60))) {
      driver.start(load.messages(), load.perSecond());
      int from = load.messages() / 4;
      awaitSent(driver::attempted, driver::done, from);
      long outageStart = System.nanoTime();
      lab.setStreamSubjects("MISSING", "missing-away.>");
      awaitSent(driver::attempted, driver::done, from + outageMessages);
      lab.setStreamSubjects("MISSING", "missing.>");
      long repaired = System.nanoTime();
      Duration recovery = FaultLab.awaitRecovery(dest, dlq, driver.sent().count(), repaired, load.settle());
      Arrivals[] read = FaultLab.settle(dest, dlq, driver.sent(), driver::done, load.settle());
      boolean ready = FaultLab.allReady(List.of(bridge), Duration.ofSeconds(30));
      return FaultResult.of("stream subjects gone " + seconds(repaired - outageStart) + ", Kafka→JetStream",
          driver.sent(), read[0], read[1], recovery, ready, "order checked per partition");
    }
  }

  /** A second instance joins the Kafka consumer group mid-run, then leaves by SIGTERM. */
  public FaultResult rebalance() throws Exception {
    String name = "rebalance";
    String run = FaultLab.newRun();
    int partitions = 6;
    lab.createTopic(name, partitions);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("REBALANCE", "rebalance.>");
    int portA = NatsServers.freePort();
    int portB = NatsServers.freePort();
    String routes = kafkaToJetStream(name, name, "rebalance", name + ".dlq");
    Path configA = lab.config(name + "-a", portA, routes);
    Path configB = lab.config(name + "-b", portB, routes);
    try (KafkaDriver driver = new KafkaDriver(lab.kafka().bootstrapServers(), name, partitions, run, load.payloadBytes());
         Checker dest = new JetStreamChecker(lab.nats().url(), "REBALANCE", "rebalance.>", run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run);
         BridgeProcess a = lab.readyBridge(name + "-a", configA, portA, Duration.ofSeconds(60))) {
      driver.start(load.messages(), load.perSecond());
      awaitSent(driver::attempted, driver::done, load.messages() / 4);
      int exit;
      try (BridgeProcess b = lab.readyBridge(name + "-b", configB, portB, Duration.ofSeconds(60))) {
        awaitSent(driver::attempted, driver::done, load.messages() / 2);
        exit = b.terminate(Duration.ofSeconds(60));
      }
      long left = System.nanoTime();
      Duration recovery = FaultLab.awaitRecovery(dest, dlq, driver.sent().count(), left, load.settle());
      Arrivals[] read = FaultLab.settle(dest, dlq, driver.sent(), driver::done, load.settle());
      boolean ready = FaultLab.allReady(List.of(a), Duration.ofSeconds(30));
      return FaultResult.of("2nd instance joins, leaves by SIGTERM, Kafka→JetStream", driver.sent(), read[0], read[1],
          recovery, ready, "SIGTERM exit status " + exit);
    }
  }

  /**
   * JetStream to Kafka while the Kafka broker (destination) is down for {@code down}, longer than
   * the bridge's JetStream AckWait (30 s today): held messages are redelivered unless kept alive.
   */
  public FaultResult kafkaDownPastAckWait(Duration down) throws Exception {
    String name = "ackwait";
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("ACKWAIT", "ackwait.>");
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, jetStreamToKafka(name, "ACKWAIT", "ackwait.>", name, name + ".dlq"));
    try (NatsDriver driver = NatsDriver.jetStream(lab.nats().url(), "ackwait", LANES, run, load.payloadBytes());
         Checker dest = new KafkaChecker(lab.kafka().bootstrapServers(), name, PARTITIONS, run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run);
         BridgeProcess bridge = lab.readyBridge(name, config, port, Duration.ofSeconds(60))) {
      driver.start(load.messages(), load.perSecond());
      awaitSent(driver::attempted, driver::done, load.messages() / 4);
      lab.kafka().stop();
      TimeUnit.MILLISECONDS.sleep(down.toMillis()); // the fault itself lasts this long
      lab.kafka().restart();
      long repaired = System.nanoTime();
      Duration recovery = FaultLab.awaitRecovery(dest, dlq, driver.sent().count(), repaired, load.settle());
      Arrivals[] read = FaultLab.settle(dest, dlq, driver.sent(), driver::done, load.settle().plusSeconds(40));
      boolean ready = FaultLab.allReady(List.of(bridge), Duration.ofSeconds(30));
      return FaultResult.of("Kafka down " + down.toSeconds() + " s (> AckWait), JetStream→Kafka", driver.sent(),
          read[0], read[1], recovery, ready, "expected 0 duplicates");
    }
  }

  /**
   * A backlog of {@code backlog} records written into Kafka while the destination (nats-server) is
   * stopped, the bridge's RSS sampled throughout, then the destination started again.
   */
  public FaultResult backlogIntoStoppedDestination(int backlog) throws Exception {
    String name = "backlog";
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("BACKLOG", "backlog.>");
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, kafkaToJetStream(name, name, "backlog", name + ".dlq"));
    try (KafkaDriver driver = new KafkaDriver(lab.kafka().bootstrapServers(), name, PARTITIONS, run, load.payloadBytes());
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run);
         BridgeProcess bridge = lab.readyBridge(name, config, port, Duration.ofSeconds(60))) {
      long rssBefore = bridge.rssKib();
      RssSampler sampler = new RssSampler(bridge).start();
      lab.nats().stop();
      driver.start(backlog, 0);
      await("backlog written").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
          .until(() -> driver.done() && driver.sent().count() >= backlog);
      long rssStopped = sampler.max();
      lab.restartNats();
      long repaired = System.nanoTime();
      try (Checker dest = new JetStreamChecker(lab.nats().url(), "BACKLOG", "backlog.>", run)) {
        Duration recovery = FaultLab.awaitRecovery(dest, dlq, driver.sent().count(), repaired, load.settle());
        Arrivals[] read = FaultLab.settle(dest, dlq, driver.sent(), driver::done, load.settle().multipliedBy(4));
        sampler.stop();
        boolean ready = FaultLab.allReady(List.of(bridge), Duration.ofSeconds(30));
        return FaultResult.of("backlog of " + backlog + " into stopped NATS, Kafka→JetStream", driver.sent(), read[0],
            read[1], recovery, ready, "RSS MiB: before " + rssBefore / 1024 + ", max while stopped " + rssStopped / 1024
                + ", max overall " + sampler.max() / 1024 + ", end " + bridge.rssKib() / 1024);
      } finally {
        sampler.stop();
      }
    }
  }

  /** Two instances in one NATS queue group relaying core NATS into JetStream. */
  public FaultResult queueGroupIntoJetStream() throws Exception {
    String name = "queue";
    String run = FaultLab.newRun();
    lab.createTopic(name + ".dlq", 1);
    lab.createStream("QUEUEOUT", "qout.>");
    int portA = NatsServers.freePort();
    int portB = NatsServers.freePort();
    String routes = """
        %s {
          from.nats { subject = "qin.>", queue-group = "bridge-queue" }
          to.jetstream { subject = "qout.{subject[1]}" }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(name, name + ".dlq");
    Path configA = lab.config(name + "-a", portA, routes);
    Path configB = lab.config(name + "-b", portB, routes);
    try (NatsDriver driver = NatsDriver.core(lab.nats().url(), "qin", LANES, run, load.payloadBytes());
         Checker dest = new JetStreamChecker(lab.nats().url(), "QUEUEOUT", "qout.>", run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run);
         BridgeProcess a = lab.readyBridge(name + "-a", configA, portA, Duration.ofSeconds(60));
         BridgeProcess b = lab.readyBridge(name + "-b", configB, portB, Duration.ofSeconds(60))) {
      driver.start(load.messages(), load.perSecond());
      Arrivals[] read = FaultLab.settle(dest, dlq, driver.sent(), driver::done, load.settle());
      boolean ready = FaultLab.allReady(List.of(a, b), Duration.ofSeconds(30));
      return FaultResult.of("2 instances, 1 NATS queue group → JetStream", driver.sent(), read[0], read[1], null,
          ready, "both subscribed before the first publish: expected 0 lost; order across members is not promised");
    }
  }

  private FaultResult brokerRestart(String name, String fault, String stream, Repair restart) throws Exception {
    String run = FaultLab.newRun();
    lab.createTopic(name, PARTITIONS);
    lab.createTopic(name + ".dlq", 1);
    lab.createStream(stream, name + ".>");
    int port = NatsServers.freePort();
    Path config = lab.config(name, port, kafkaToJetStream(name, name, name, name + ".dlq"));
    try (KafkaDriver driver = new KafkaDriver(lab.kafka().bootstrapServers(), name, PARTITIONS, run, load.payloadBytes());
         Checker dest = new JetStreamChecker(lab.nats().url(), stream, name + ".>", run);
         Checker dlq = new KafkaChecker(lab.kafka().bootstrapServers(), name + ".dlq", 1, run);
         BridgeProcess bridge = lab.readyBridge(name, config, port, Duration.ofSeconds(60))) {
      driver.start(load.messages(), load.perSecond());
      awaitSent(driver::attempted, driver::done, load.messages() / 3);
      restart.run();
      long repaired = System.nanoTime();
      Duration recovery = FaultLab.awaitRecovery(dest, dlq, driver.sent().count(), repaired, load.settle());
      Arrivals[] read = FaultLab.settle(dest, dlq, driver.sent(), driver::done, load.settle());
      boolean ready = FaultLab.allReady(List.of(bridge), Duration.ofSeconds(30));
      return FaultResult.of(fault, driver.sent(), read[0], read[1], recovery, ready, "");
    }
  }

  private FaultResult killRun(String fault, String name, Path config, int port, int kills, SentLog sent,
                              IntSupplier attempted, BooleanSupplier done, Runnable startDriver,
                              Checker dest, Checker dlq, String note) throws Exception {
    List<Integer> moments = new ArrayList<>();
    for (int i = 0; i < kills; i++) {
      moments.add(load.messages() / 10 + random.nextInt(Math.max(1, load.messages() * 8 / 10)));
    }
    moments.sort(null);
    BridgeProcess bridge = lab.readyBridge(name + "-0", config, port, Duration.ofSeconds(60));
    Duration worst = Duration.ZERO;
    try {
      startDriver.run();
      for (int i = 0; i < kills; i++) {
        awaitSent(attempted, done, moments.get(i));
        bridge.kill();
        long killed = System.nanoTime();
        bridge = lab.bridge(name + "-" + (i + 1), config, port);
        Duration recovery = FaultLab.awaitRecovery(dest, dlq, sent.count(), killed, load.settle());
        worst = recovery.compareTo(worst) > 0 ? recovery : worst;
      }
      Arrivals[] read = FaultLab.settle(dest, dlq, sent, done, load.settle().plusSeconds(40));
      boolean ready = FaultLab.allReady(List.of(bridge), Duration.ofSeconds(30));
      return FaultResult.of(fault, sent, read[0], read[1], worst, ready, note);
    } finally {
      bridge.terminate(Duration.ofSeconds(30));
    }
  }

  private static void awaitSent(IntSupplier attempted, BooleanSupplier done, int count) {
    await("driver sent " + count).atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> attempted.getAsInt() >= count || done.getAsBoolean());
  }

  /** Kafka to JetStream with the destination subject carrying the partition, and a Kafka dead letter. */
  static String kafkaToJetStream(String route, String topic, String subjectPrefix, String deadLetterTopic) {
    return """
        %s {
          # the killed process's membership lingers for session.timeout.ms (45 s by default)
          from.kafka { topics = ["%s"], properties { session.timeout.ms = 6000 } }
          to.jetstream { subject = "%s.{partition}" }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(route, topic, subjectPrefix, deadLetterTopic);
  }

  /** JetStream to Kafka keyed by the lane's subject token, so a lane stays in one partition. */
  static String jetStreamToKafka(String route, String stream, String filter, String topic, String deadLetterTopic) {
    return """
        %s {
          from.jetstream { stream = "%s", subject = "%s" }
          to.kafka { topic = "%s", key = "{subject[1]}" }
          dead-letter.kafka { topic = "%s" }
        }
        """.formatted(route, stream, filter, topic, deadLetterTopic);
  }

  private static String seconds(long nanos) {
    return String.format("%.0f s", nanos / 1e9);
  }

  /** A repair that may throw: a broker restart. */
  @FunctionalInterface
  interface Repair {
    void run() throws Exception;
  }
}
