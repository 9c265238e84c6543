package dev.tracebridge.testkit.faults;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * One fault run's figures, as the issue asks for them. Lost means sent (confirmed by the source
 * broker) but neither delivered nor dead-lettered; duplicated counts extra copies at the destination;
 * out of order counts first arrivals that came after a later message of their lane.
 *
 * @param timeToRecover the longest time from a fault's repair to the next delivery (null: not measured)
 * @param readyAfter    whether every bridge still running answered /readyz 200 at the end
 * @param note          what else was seen (RSS, how many faults, what was expected to be lost)
 */
public record FaultResult(String fault, long sent, long delivered, long deadLettered, long lost,
                          long duplicated, long outOfOrder, Duration timeToRecover, boolean readyAfter,
                          String note) {

  /** Compares what was sent with what arrived at the destination and at the dead letter. */
  public static FaultResult of(String fault, SentLog sent, Arrivals delivered, Arrivals deadLettered,
                               Duration timeToRecover, boolean readyAfter, String note) {
    long lost = 0;
    for (Map.Entry<String, BitSet> lane : sent.snapshot().entrySet()) {
      BitSet bits = lane.getValue();
      for (int seq = bits.nextSetBit(0); seq >= 0; seq = bits.nextSetBit(seq + 1)) {
        if (!delivered.contains(lane.getKey(), seq) && !deadLettered.contains(lane.getKey(), seq)) {
          lost++;
        }
      }
    }
    return new FaultResult(fault, sent.count(), delivered.distinct(), deadLettered.distinct(), lost,
        delivered.duplicated() + deadLettered.duplicated(), delivered.outOfOrder(), timeToRecover, readyAfter,
        note);
  }

  /** The results as a Markdown table, so that it can go into the README as printed. */
  public static String table(List<FaultResult> results) {
    StringBuilder out = new StringBuilder();
    out.append("| fault | sent | delivered | dead-lettered | lost | duplicated | out of order | time to recover"
        + " | ready after | note |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (FaultResult r : results) {
      out.append("| ").append(r.fault())
          .append(" | ").append(r.sent())
          .append(" | ").append(r.delivered())
          .append(" | ").append(r.deadLettered())
          .append(" | ").append(r.lost())
          .append(" | ").append(r.duplicated())
          .append(" | ").append(r.outOfOrder())
          .append(" | ").append(r.timeToRecover() == null ? "-" : seconds(r.timeToRecover()))
          .append(" | ").append(r.readyAfter() ? "yes" : "no")
          .append(" | ").append(r.note() == null ? "" : r.note())
          .append(" |\n");
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return table(List.of(this));
  }

  private static String seconds(Duration d) {
    return String.format("%.1f s", d.toMillis() / 1000.0);
  }
}
