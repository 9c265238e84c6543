package dev.tracebridge.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PartitionCommitTrackerTest {

  private final PartitionCommitTracker tracker = new PartitionCommitTracker();

  private void register(long... offsets) {
    for (long offset : offsets) {
      tracker.register(offset);
    }
  }

  @Test
  void nothingToCommitBeforeTheFirstAck() {
    register(0, 1, 2);
    assertEquals(OptionalLong.empty(), tracker.pendingCommit());
  }

  @Test
  void commitsOnlyUpToTheFirstGapAndMovesOnWhenItCloses() {
    register(0, 1, 2, 3, 4);
    tracker.ack(4);
    tracker.ack(1);
    assertEquals(OptionalLong.empty(), tracker.pendingCommit(), "offset 0 not acked yet");
    tracker.ack(0);
    assertEquals(OptionalLong.of(2), tracker.pendingCommit(), "0 and 1 acked, 2 is the gap");
    tracker.ack(3);
    assertEquals(OptionalLong.of(2), tracker.pendingCommit());
    tracker.ack(2);
    assertEquals(OptionalLong.of(5), tracker.pendingCommit(), "all acked: commit the next offset to read");
  }

  @Test
  void followsOffsetsThatSkip() {
    register(10, 13, 20);
    tracker.ack(10);
    tracker.ack(13);
    assertEquals(OptionalLong.of(14), tracker.pendingCommit());
  }

  @Test
  void abandonedOffsetIsAPermanentHole() {
    register(0, 1, 2, 3);
    tracker.ack(0);
    tracker.abandon(1);
    tracker.ack(2);
    tracker.ack(3);
    tracker.ack(1); // a late ack does not undo the abandon
    assertEquals(OptionalLong.of(1), tracker.pendingCommit());
  }

  @Test
  void reportsACommitOnceUntilTheOffsetMovesAgain() {
    register(0, 1);
    tracker.ack(0);
    assertEquals(OptionalLong.of(1), tracker.pendingCommit());
    tracker.committed(1);
    assertEquals(OptionalLong.empty(), tracker.pendingCommit());
    tracker.ack(1);
    assertEquals(OptionalLong.of(2), tracker.pendingCommit());
    tracker.committed(1); // a late confirmation of an older commit changes nothing
    assertEquals(OptionalLong.of(2), tracker.pendingCommit());
  }

  @Test
  void ackOfAnUnknownOffsetIsIgnored() {
    register(5);
    tracker.ack(4);
    assertEquals(OptionalLong.empty(), tracker.pendingCommit());
  }

  @Test
  void rejectsOffsetsOutOfOrder() {
    register(3);
    assertThrows(IllegalArgumentException.class, () -> tracker.register(3));
  }

  @Test
  void aRevokedTrackerCommitsNothingMoreAndIgnoresLateAcks() {
    register(0, 1, 2);
    tracker.ack(0);
    tracker.revoke();
    assertEquals(OptionalLong.empty(), tracker.pendingCommit(), "even what was acked before is left to the new owner");
    tracker.ack(1);
    tracker.ack(2);
    assertEquals(OptionalLong.empty(), tracker.pendingCommit());
    assertTrue(tracker.isRevoked());
  }

  @Test
  void awaitSettledReturnsOnceEveryHandedOutRecordIsAckedOrAbandoned() throws Exception {
    register(0, 1, 2);
    tracker.ack(1);
    assertEquals(2, tracker.pending());
    assertFalse(tracker.awaitSettled(System.nanoTime()), "a deadline already passed does not wait");

    CompletableFuture<Boolean> settled = CompletableFuture.supplyAsync(() -> {
      try {
        return tracker.awaitSettled(System.nanoTime() + Duration.ofSeconds(20).toNanos());
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    tracker.abandon(0);
    tracker.ack(2);
    assertTrue(settled.get(20, TimeUnit.SECONDS));
    assertEquals(0, tracker.pending());
  }

  @Test
  void followsTellsWhetherAnOffsetComesAfterTheLastOne() {
    register(7);
    assertTrue(tracker.follows(8));
    assertFalse(tracker.follows(7));
    assertFalse(tracker.follows(2));
  }
}
