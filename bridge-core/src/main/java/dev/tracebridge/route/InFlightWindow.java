package dev.tracebridge.route;

import dev.tracebridge.config.InFlightConfig;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts what a route has taken from its source and not yet settled, by messages and by bytes. It never
 * blocks a source: {@link #take} always succeeds, and {@link #hasRoom} tells the source whether to fetch
 * more (Kafka pauses its partitions while it is false). So the window may overshoot its limits by what
 * one fetch returned, which the client had already buffered anyway.
 */
public final class InFlightWindow {

  private final int maxMessages;
  private final long maxBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition emptied = lock.newCondition();
  // volatile so that hasRoom(), asked from the source's thread on every fetch, takes no lock
  private volatile int messages;
  private volatile long bytes;

  public InFlightWindow(InFlightConfig config) {
    this.maxMessages = config.maxMessages();
    this.maxBytes = config.maxBytes();
  }

  /** Counts one more message in flight. */
  public void take(long size) {
    lock.lock();
    try {
      messages++;
      bytes += size;
    } finally {
      lock.unlock();
    }
  }

  /** The message was settled (acknowledged or given up). */
  public void release(long size) {
    lock.lock();
    try {
      messages--;
      bytes -= size;
      if (messages == 0) {
        emptied.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** True while both limits leave room; a single message larger than the byte limit fits an empty window. */
  public boolean hasRoom() {
    int m = messages;
    return m == 0 || (m < maxMessages && bytes < maxBytes);
  }

  /** Waits until every message in flight was settled; false when the timeout passed first. */
  public boolean awaitEmpty(Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (messages > 0) {
        if (remaining <= 0) {
          return false;
        }
        remaining = emptied.awaitNanos(remaining);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  public int messages() {
    return messages;
  }

  public long bytes() {
    return bytes;
  }
}
