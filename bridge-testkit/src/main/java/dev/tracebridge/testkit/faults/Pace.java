package dev.tracebridge.testkit.faults;

import java.util.concurrent.TimeUnit;

/** Keeps a driver at its rate: a load generator's pacing, not a wait for a result. */
final class Pace {

  private Pace() {
  }

  /** Blocks until {@code done} messages are due at {@code perSecond} since {@code startNanos}. */
  static void keep(long startNanos, long done, int perSecond) throws InterruptedException {
    if (perSecond <= 0 || done % 50 != 0) {
      return;
    }
    long dueNanos = startNanos + done * TimeUnit.SECONDS.toNanos(1) / perSecond;
    long aheadNanos = dueNanos - System.nanoTime();
    if (aheadNanos > 0) {
      TimeUnit.NANOSECONDS.sleep(aheadNanos);
    }
  }
}
