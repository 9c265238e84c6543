package dev.tracebridge.tracing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact counts of one span pipeline (processor, queue, exporter): spans admitted, dropped because the queue
 * was full, exported, and lost in failed exports. The pipeline admits a span only while fewer than
 * {@code capacity} spans are queued or being exported, so the batch processor behind it never drops one
 * silently: every loss is counted here.
 */
final class SpanQueueAccounting {

  private static final Logger log = LoggerFactory.getLogger(SpanQueueAccounting.class);
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

  /** In wait mode, the longest a span waits for room before it is dropped after all (a collector gone for good). */
  static final long MAX_WAIT_NANOS = 10_000_000_000L;

  private final int capacity;
  private final boolean waitWhenFull;
  private final LongAdder waitedNanos = new LongAdder();
  private final AtomicLong pending = new AtomicLong();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder exported = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

  SpanQueueAccounting(int capacity) {
    this(capacity, false);
  }

  /** {@code waitWhenFull}: {@code bridge.tracing.when-queue-full = wait}; the thread ending the span waits for room. */
  SpanQueueAccounting(int capacity, boolean waitWhenFull) {
    this.capacity = capacity;
    this.waitWhenFull = waitWhenFull;
  }

  /**
   * True when the span may be queued; false (and counted as dropped) when the queue is full. In wait mode
   * the calling thread (a route's thread, ending the span) waits for an export to make room, which slows
   * that route down to what the collector takes; after {@link #MAX_WAIT_NANOS} it drops after all.
   */
  boolean admit() {
    long start = 0;
    while (true) {
      if (pending.incrementAndGet() <= capacity) {
        if (start != 0) {
          waitedNanos.add(System.nanoTime() - start);
        }
        return true;
      }
      pending.decrementAndGet();
      long now = System.nanoTime();
      if (start == 0) {
        start = now;
      }
      if (!waitWhenFull || now - start > MAX_WAIT_NANOS) {
        dropped.increment();
        warnAtMostEvery10Seconds();
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
  }

  /** Time threads spent waiting for room in wait mode, since start: the cost of keeping every span. */
  long waitedNanos() {
    return waitedNanos.sum();
  }

  void exported(int spans) {
    exported.add(spans);
    pending.addAndGet(-spans);
  }

  void failed(int spans) {
    failed.add(spans);
    pending.addAndGet(-spans);
  }

  long dropped() {
    return dropped.sum();
  }

  long exported() {
    return exported.sum();
  }

  long failed() {
    return failed.sum();
  }

  private void warnAtMostEvery10Seconds() {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
      log.warn("Dropping spans: the export queue ({} spans) is full, {} spans dropped since start. The collector"
          + " is slow or unreachable, or spans are made faster than they can be exported: raise"
          + " OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BSP_MAX_EXPORT_BATCH_SIZE or check the collector.", capacity, dropped());
    }
  }
}
