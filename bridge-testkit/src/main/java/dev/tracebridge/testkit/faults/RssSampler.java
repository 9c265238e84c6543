package dev.tracebridge.testkit.faults;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Samples a bridge's RSS twice a second on its own thread and keeps the highest value, in KiB. */
final class RssSampler {

  private final BridgeProcess bridge;
  private final AtomicLong max = new AtomicLong(-1);
  private volatile Thread thread;

  RssSampler(BridgeProcess bridge) {
    this.bridge = bridge;
  }

  RssSampler start() {
    thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted() && bridge.alive()) {
        max.accumulateAndGet(bridge.rssKib(), Math::max);
        try {
          TimeUnit.MILLISECONDS.sleep(500); // a sampling period, not a wait for a result
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fault-rss-sampler");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  long max() {
    return max.get();
  }

  void stop() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }
}
