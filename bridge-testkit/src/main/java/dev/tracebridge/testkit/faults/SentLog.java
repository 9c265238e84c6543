package dev.tracebridge.testkit.faults;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * The driver side of the tally: which messages the source broker confirmed (Kafka produce
 * acknowledged, JetStream publish acknowledged, core NATS published), per lane. A message the source
 * broker never took is not "sent", so it cannot count as lost.
 */
public final class SentLog {

  private final Map<String, BitSet> lanes = new TreeMap<>();
  private long count;

  public synchronized void sent(String lane, int seq) {
    BitSet bits = lanes.computeIfAbsent(lane, l -> new BitSet());
    if (!bits.get(seq)) {
      bits.set(seq);
      count++;
    }
  }

  public synchronized long count() {
    return count;
  }

  /** A copy of the confirmed sequence numbers per lane. */
  public synchronized Map<String, BitSet> snapshot() {
    Map<String, BitSet> copy = new TreeMap<>();
    lanes.forEach((lane, bits) -> copy.put(lane, (BitSet) bits.clone()));
    return copy;
  }
}
