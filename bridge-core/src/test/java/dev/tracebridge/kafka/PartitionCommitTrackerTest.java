package dev.tracebridge.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

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
}
