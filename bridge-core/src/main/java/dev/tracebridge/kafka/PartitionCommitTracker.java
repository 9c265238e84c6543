package dev.tracebridge.kafka;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The offsets of one partition that were handed to the route and not yet settled, and from them the
 * offset that may be committed: just after the longest run of acknowledged records from the start.
 * Acknowledgements come from sink threads in any order, so a later record's ack must wait for every
 * earlier one. An abandoned record is a permanent hole: nothing at or after it is ever committed by
 * this tracker, so Kafka delivers it again after a restart or rebalance.
 *
 * <p>When the partition is taken away, the tracker is {@linkplain #revoke revoked}: from then on it
 * ignores acknowledgements and offers nothing to commit, because the partition's new owner has started
 * from the last committed offset and a later commit from this member would skip records it has not
 * delivered. The poll thread waits for the handed-out records to settle before that, with
 * {@link #awaitSettled}.
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
  /** Records handed out and neither acknowledged nor abandoned yet. */
  private int pending;
  private boolean revoked;

  /** Records that the record at this offset was handed out; offsets must increase. */
  synchronized void register(long offset) {
    if (!follows(offset)) {
      throw new IllegalArgumentException("offset " + offset + " registered after " + lastRegistered);
    }
    lastRegistered = offset;
    unsettled.put(offset, State.PENDING);
    pending++;
  }

  /** False when this offset is not after the last one registered (the partition's log was reset). */
  synchronized boolean follows(long offset) {
    return offset > lastRegistered;
  }

  synchronized void ack(long offset) {
    settle(offset, State.ACKED);
    if (!revoked) {
      advance();
    }
  }

  synchronized void abandon(long offset) {
    settle(offset, State.ABANDONED);
  }

  /** The offset to commit (the next record to read) when it moved beyond what was last committed. */
  synchronized OptionalLong pendingCommit() {
    return !revoked && committable > committed ? OptionalLong.of(committable) : OptionalLong.empty();
  }

  /** Called once Kafka confirmed a commit of this offset. */
  synchronized void committed(long offset) {
    committed = Math.max(committed, offset);
  }

  /**
   * Waits until every handed-out record was acknowledged or abandoned, or until the deadline
   * ({@link System#nanoTime} based). True when nothing is pending.
   */
  synchronized boolean awaitSettled(long deadlineNanos) throws InterruptedException {
    while (pending > 0) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** The partition is no longer this member's: nothing of it is committed from now on. */
  synchronized void revoke() {
    revoked = true;
    notifyAll();
  }

  synchronized boolean isRevoked() {
    return revoked;
  }

  /** Records handed out and not settled yet. */
  synchronized int pending() {
    return pending;
  }

  private void settle(long offset, State outcome) {
    State before = unsettled.get(offset);
    if (before == State.PENDING) {
      pending--;
      notifyAll();
    }
    // A late ack does not undo an abandon: the hole stays.
    if (before != null && before != State.ABANDONED) {
      unsettled.put(offset, outcome);
    }
  }

  private void advance() {
    Map.Entry<Long, State> first;
    while ((first = unsettled.firstEntry()) != null && first.getValue() == State.ACKED) {
      unsettled.pollFirstEntry();
      committable = first.getKey() + 1;
    }
  }
}
