package dev.tracebridge.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.testkit.faults.FaultLab;
import dev.tracebridge.testkit.faults.FaultResult;
import dev.tracebridge.testkit.faults.Scenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6's faults at CI counts, through the real launcher and real brokers, tallied by the fault kit
 * ({@code dev.tracebridge.testkit.faults}): what was sent against what reached the destination and the
 * dead letter. The same scenarios run at larger counts in {@code FaultRunner}. Every wait is on a
 * condition; fault moments are chosen by how much was sent, so a loaded machine moves them in time only.
 */
class FaultToleranceIT {

  private static final Scenarios.Load LOAD = new Scenarios.Load(2_000, 400, 100, Duration.ofSeconds(45));

  private static FaultLab lab;
  private static Scenarios scenarios;

  @BeforeAll
  static void brokers() throws Exception {
    lab = FaultLab.start(Launcher.script(), Path.of("target", "faults"));
    scenarios = new Scenarios(lab, LOAD, 6L);
  }

  @AfterAll
  static void stopBrokers() {
    lab.close();
  }

  /** The destination stream's subjects go away for about 1,000 records (2.5 s), then come back. */
  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void aMissingJetStreamDestinationLosesNothingAndKeepsOrder() throws Exception {
    FaultResult result = scenarios.streamMissing(1_000);
    System.out.println(result);
    assertAll(
        () -> assertEquals(0, result.lost(), "lost"),
        () -> assertEquals(0, result.deadLettered(), "an outage is no message's fault: nothing dead-lettered"),
        () -> assertEquals(0, result.outOfOrder(), "order per partition"),
        () -> assertEquals(0, result.duplicated(), "duplicates into JetStream"),
        () -> assertTrue(result.readyAfter(), "the route is ready again"));
  }

  /** A second instance joins the consumer group mid-run and leaves by SIGTERM. */
  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void aSecondInstanceJoiningAndLeavingLosesAndDuplicatesNothing() throws Exception {
    FaultResult result = scenarios.rebalance();
    System.out.println(result);
    assertAll(
        () -> assertEquals(LOAD.messages(), result.sent(), "sent"),
        () -> assertEquals(0, result.lost(), "lost"),
        () -> assertEquals(0, result.duplicated(), "duplicates into JetStream"),
        () -> assertEquals(0, result.deadLettered(), "dead-lettered"),
        () -> assertEquals(0, result.outOfOrder(), "order per partition"),
        () -> assertTrue(result.note().endsWith("status 0"), "the leaving instance drained: " + result.note()),
        () -> assertTrue(result.readyAfter(), "the remaining instance is ready"));
  }

  /** Two instances in one NATS queue group, both subscribed before the first message, into JetStream. */
  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void twoInstancesInOneQueueGroupLoseNothingIntoJetStream() throws Exception {
    FaultResult result = scenarios.queueGroupIntoJetStream();
    System.out.println(result);
    assertAll(
        () -> assertEquals(LOAD.messages(), result.sent(), "sent"),
        () -> assertEquals(0, result.lost(), "lost"),
        () -> assertEquals(0, result.duplicated(), "duplicates into JetStream"),
        () -> assertEquals(0, result.deadLettered(), "dead-lettered"));
  }
}
