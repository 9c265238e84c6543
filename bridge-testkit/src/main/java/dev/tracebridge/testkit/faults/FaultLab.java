package dev.tracebridge.testkit.faults;

import static org.awaitility.Awaitility.await;

import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The brokers and the launcher a fault run drives, with the few helpers every fault needs: topics and
 * streams, a configuration in the contract's shape, bridge processes, and waiting for recovery and for
 * the destination to settle. Kafka is a {@link EmbeddedKafka}, whose {@code stop()} and {@code restart()} keep its
 * data; NATS is the kit's {@link NatsServers}, which restarts with its store.
 */
public final class FaultLab implements AutoCloseable {

  private final EmbeddedKafka kafka;
  private final NatsServers nats;
  private final Path launcher;
  private final Path workDir;

  private FaultLab(EmbeddedKafka kafka, NatsServers nats, Path launcher, Path workDir) {
    this.kafka = kafka;
    this.nats = nats;
    this.launcher = launcher;
    this.workDir = workDir;
  }

  /** Starts a Kafka broker and a nats-server on free ports; configs and bridge logs go to {@code workDir}. */
  public static FaultLab start(Path launcher, Path workDir) throws Exception {
    Files.createDirectories(workDir);
    EmbeddedKafka kafka = EmbeddedKafka.start();
    try {
      return new FaultLab(kafka, NatsServers.start(), launcher, workDir);
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  public NatsServers nats() {
    return nats;
  }

  public Path workDir() {
    return workDir;
  }

  /** A token unique to one run, written into every payload. */
  public static String newRun() {
    return "r" + UUID.randomUUID().toString().substring(0, 8);
  }

  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  /** A file stream with a ten-minute duplicate window (longer than any run, so crash redeliveries are caught). */
  public void createStream(String name, String... subjects) throws Exception {
    try (Connection nc = Nats.connect(nats.url())) {
      nc.jetStreamManagement().addStream(StreamConfiguration.builder().name(name).subjects(subjects)
          .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(10)).build());
    }
  }

  /** Points a stream at other subjects: publishing to the old ones then gets "no responders". */
  public void setStreamSubjects(String name, String... subjects) throws Exception {
    try (Connection nc = Nats.connect(nats.url())) {
      JetStreamManagement jsm = nc.jetStreamManagement();
      StreamConfiguration current = jsm.getStreamInfo(name).getConfiguration();
      jsm.updateStream(StreamConfiguration.builder(current).subjects(subjects).build());
    }
  }

  /**
   * Starts the nats-server again on its port and store. The kit's runner gives a server a few tens of
   * milliseconds to answer; JetStream recovering a large store on a loaded machine can take longer,
   * and then the runner gives up while the process it started goes on holding the port. So: on such a
   * failure, end that process (our own child, found by its port) and try again.
   */
  public void restartNats() throws Exception {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        nats.restart();
        return;
      } catch (IllegalStateException e) {
        last = e;
        String portArg = String.valueOf(nats.port());
        ProcessHandle.current().descendants()
            .filter(p -> p.info().commandLine().map(c -> c.contains("nats-server") && c.contains(" " + portArg + " "))
                .orElse(false))
            .forEach(p -> {
              p.destroy();
              p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(x -> null).join();
            });
      }
    }
    throw last;
  }

  /** Writes a configuration file with the given admin port and the HOCON inside {@code routes { }}. */
  public Path config(String name, int adminPort, String routes) throws IOException {
    Path file = workDir.resolve(name + ".conf");
    Files.writeString(file, """
        bridge {
          service-name = "fault-%s"
          admin.port = %d
          kafka.bootstrap-servers = "%s"
          nats.servers = ["%s"]
          routes {
        %s
          }
        }
        """.formatted(name, adminPort, kafka.bootstrapServers(), nats.url(), routes.indent(4)));
    return file;
  }

  /** Starts a bridge on a config; its output goes to {@code <workDir>/<logName>.log}. */
  public BridgeProcess bridge(String logName, Path config, int adminPort) throws IOException {
    return BridgeProcess.start(launcher, config, adminPort, workDir.resolve(logName + ".log"));
  }

  /** Starts a bridge and waits until /readyz answers 200. */
  public BridgeProcess readyBridge(String logName, Path config, int adminPort, Duration atMost) throws IOException {
    BridgeProcess bridge = bridge(logName, config, adminPort);
    await("bridge " + logName + " ready").atMost(atMost).pollInterval(Duration.ofMillis(200)).until(bridge::ready);
    return bridge;
  }

  /**
   * The time from a fault's repair ({@code repairedNanos}) until the destination and its dead letter
   * together hold {@code target} messages (copies included), the number sent by the repair: the
   * backlog the fault left behind is then worked off. {@code atMost} when that does not happen.
   */
  public static Duration awaitRecovery(Checker destination, Checker deadLetter, long target, long repairedNanos,
                                       Duration atMost) {
    try {
      await("caught up").atMost(atMost).pollInterval(Duration.ofMillis(50))
          .until(() -> destination.progress() + Math.max(0, deadLetter.progress()) >= target);
    } catch (ConditionTimeoutException e) {
      return atMost;
    }
    return Duration.ofNanos(System.nanoTime() - repairedNanos);
  }

  /**
   * Waits until every message the driver sent is at the destination or its dead letter (or until
   * {@code atMost}), and returns both readings: {destination, dead letter}.
   */
  public static Arrivals[] settle(Checker destination, Checker deadLetter, SentLog sent,
                                  BooleanSupplier driverDone, Duration atMost) {
    AtomicReference<Arrivals[]> last = new AtomicReference<>();
    try {
      await("destination settled").atMost(atMost).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .until(() -> {
            if (!driverDone.getAsBoolean()
                || destination.progress() + Math.max(0, deadLetter.progress()) < sent.count()) {
              return false;
            }
            Arrivals[] read = {destination.readAll(), deadLetter.readAll()};
            last.set(read);
            return read[0].distinct() + read[1].distinct() >= sent.count();
          });
    } catch (ConditionTimeoutException e) {
      last.set(new Arrivals[] {destination.readAll(), deadLetter.readAll()});
    }
    return last.get();
  }

  /** Whether every given bridge answers /readyz 200 within {@code atMost}. */
  public static boolean allReady(List<BridgeProcess> bridges, Duration atMost) {
    try {
      await("ready").atMost(atMost).pollInterval(Duration.ofMillis(200))
          .until(() -> bridges.stream().allMatch(BridgeProcess::ready));
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      nats.close();
    } finally {
      kafka.close();
    }
  }
}
