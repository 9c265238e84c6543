package dev.tracebridge.bench;

import dev.tracebridge.bench.RequestReplyBenchmark.Requester;
import dev.tracebridge.bench.RequestReplyBenchmark.Result;
import dev.tracebridge.bench.RequestReplyBenchmark.Way;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Latencies of the measured round trips (nanoseconds), their count and the requests that failed. */
final class Recorder {
  private final List<Long> nanos = new ArrayList<>();
  final AtomicLong total = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  long cpuStart = -1;
  long cpuEnd = -1;
  private long measuredNanos = -1;
  private long first = Long.MAX_VALUE;
  private long last = Long.MIN_VALUE;

  synchronized void add(long latency) {
    nanos.add(latency);
    total.incrementAndGet();
    long now = System.nanoTime();
    first = Math.min(first, now);
    last = Math.max(last, now);
  }

  double cpuMicrosPerRoundTrip() {
    return cpuStart < 0 || cpuEnd < 0 || total.get() == 0 ? Double.NaN : (double) (cpuEnd - cpuStart) / total.get();
  }

  /** The measured level; spans are filled in once the bridge has stopped. */
  synchronized Result result(Requester requester, Way path, int concurrency, double cpuMicros) {
    measuredNanos = last - first;
    double perSecond = measuredNanos <= 0 ? Double.NaN : (nanos.size() - 1) * 1e9 / measuredNanos;
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(Comparator.naturalOrder());
    return new Result(requester, path, concurrency, perSecond, percentile(sorted, 0.50), percentile(sorted, 0.99),
        cpuMicros, errors.get(), 0, 0);
  }

  private static double percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
    return sorted.get(Math.max(0, index)) / 1e6;
  }
}
