package dev.tracebridge.kafka;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The offsets of one partition that were handed to the route and not yet settled, and from them the
 * offset that may be committed: just after the longest run of acknowledged records from the start.
 * Acknowledgements come from sink threads in any order, so a later record's ack must wait for every
 * earlier one. An abandoned record is a permanent hole: nothing at or after it is ever committed by
 * this tracker, so Kafka delivers it again after a restart or rebalance.
 *
 * <p>Offsets are tracked as registered, not by arithmetic, because offsets of a partition may skip
 * (compaction, transaction markers). Thread-safe.
 */
final class PartitionCommitTracker {

  private enum State { PENDING, ACKED, ABANDONED }

  private final TreeMap<Long, State> unsettled = new TreeMap<>();
  private long lastRegistered = -1;
  private long committable = -1;
  private long committed = -1;

  /** Records that the record at this offset was handed out; offsets must increase. */
  synchronized void register(long offset) {
    if (offset <= lastRegistered) {
      throw new IllegalArgumentException("offset " + offset + " registered after " + lastRegistered);
    }
    lastRegistered = offset;
    unsettled.put(offset, State.PENDING);
  }

  synchronized void ack(long offset) {
    unsettled.computeIfPresent(offset, (o, state) -> state == State.PENDING ? State.ACKED : state);
    advance();
  }

  synchronized void abandon(long offset) {
    unsettled.computeIfPresent(offset, (o, state) -> State.ABANDONED);
  }

  /** The offset to commit (the next record to read) when it moved beyond what was last committed. */
  synchronized OptionalLong pendingCommit() {
    return committable > committed ? OptionalLong.of(committable) : OptionalLong.empty();
  }

  /** Called once Kafka confirmed a commit of this offset. */
  synchronized void committed(long offset) {
    committed = Math.max(committed, offset);
  }

  private void advance() {
    Map.Entry<Long, State> first;
    while ((first = unsettled.firstEntry()) != null && first.getValue() == State.ACKED) {
      unsettled.pollFirstEntry();
      committable = first.getKey() + 1;
    }
  }
}
