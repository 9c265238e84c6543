package dev.tracebridge.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters and the relay-duration histogram of one route. Updated from any thread without locks;
 * {@code /metrics} renders them in the Prometheus text format.
 */
public final class RouteMetrics {

  /** Upper bounds in seconds of the {@code bridge_relay_duration_seconds} buckets (+Inf is implicit). */
  public static final double[] DURATION_BUCKETS = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

  private final LongAdder consumed = new LongAdder();
  private final LongAdder produced = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicLongArray bucketCounts = new AtomicLongArray(DURATION_BUCKETS.length + 1);
  private final DoubleAdder durationSum = new DoubleAdder();

  public void consumed() {
    consumed.increment();
  }

  /** A message the destination confirmed, with the time from receipt to confirmation. */
  public void produced(long relayNanos) {
    produced.increment();
    double seconds = relayNanos / 1e9;
    durationSum.add(seconds);
    int i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) {
      i++;
    }
    bucketCounts.incrementAndGet(i);
  }

  public void deadLettered() {
    deadLettered.increment();
  }

  public void retried() {
    retried.increment();
  }

  /** A message the route could neither deliver nor dead-letter (it stopped the route). */
  public void failed() {
    failed.increment();
  }

  public long consumedCount() {
    return consumed.sum();
  }

  public long producedCount() {
    return produced.sum();
  }

  public long deadLetteredCount() {
    return deadLettered.sum();
  }

  public long retriedCount() {
    return retried.sum();
  }

  public long failedCount() {
    return failed.sum();
  }

  /** Count of relays per bucket, not cumulative; the last entry is the +Inf bucket. */
  public long[] durationBucketCounts() {
    long[] out = new long[bucketCounts.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = bucketCounts.get(i);
    }
    return out;
  }

  public double durationSumSeconds() {
    return durationSum.sum();
  }
}
