package dev.tracebridge.testkit.faults;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The checker side of the tally: what arrived at one destination (the route's, or its dead letter),
 * in arrival order. It counts distinct messages, extra copies, and order inversions: a message whose
 * first copy arrives after a later message of the same order key. The order key is the source lane,
 * prefixed with the destination partition when the destination has several, because order is only
 * promised inside one.
 */
public final class Arrivals {

  private final Map<String, BitSet> seen = new HashMap<>();
  private final Map<String, Integer> highest = new HashMap<>();
  private long distinct;
  private long duplicated;
  private long outOfOrder;

  /** Records one arrival; {@code orderKey} names the sequence it must keep its place in. */
  public synchronized void arrived(String orderKey, Stamp stamp) {
    BitSet bits = seen.computeIfAbsent(stamp.lane(), l -> new BitSet());
    if (bits.get(stamp.seq())) {
      duplicated++;
      return;
    }
    bits.set(stamp.seq());
    distinct++;
    Integer top = highest.get(orderKey);
    if (top != null && stamp.seq() < top) {
      outOfOrder++;
    } else {
      highest.put(orderKey, stamp.seq());
    }
  }

  public synchronized boolean contains(String lane, int seq) {
    BitSet bits = seen.get(lane);
    return bits != null && bits.get(seq);
  }

  public synchronized long distinct() {
    return distinct;
  }

  public synchronized long duplicated() {
    return duplicated;
  }

  public synchronized long outOfOrder() {
    return outOfOrder;
  }
}
