package dev.tracebridge.route;

import dev.tracebridge.config.InFlightConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts what a route has taken from its source and not yet settled, by messages and by bytes. It never
 * blocks a source: {@link #take} always succeeds, and {@link #hasRoom} tells the source whether to fetch
 * more (Kafka pauses its partitions while it is false). So the window may overshoot its limits by what
 * one fetch returned, which the client had already buffered anyway.
 *
 * <p>{@link #take} (the source's thread) and {@link #release} (the route's thread) run once per message,
 * so they only touch atomics; the lock is taken only when the count reaches zero, to wake a drain waiting
 * in {@link #awaitEmpty}. The two counters are read apart, so {@link #hasRoom} may see one message's
 * bytes without its count for an instant, which moves the limit by one message at most.
 */
public final class InFlightWindow {

  private final int maxMessages;
  private final long maxBytes;
  private final AtomicInteger messages = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition emptied = lock.newCondition();

  public InFlightWindow(InFlightConfig config) {
    this.maxMessages = config.maxMessages();
    this.maxBytes = config.maxBytes();
  }

  /** Counts one more message in flight. */
  public void take(long size) {
    bytes.addAndGet(size);
    messages.incrementAndGet();
  }

  /** The message was settled (acknowledged or given up). */
  public void release(long size) {
    bytes.addAndGet(-size);
    if (messages.decrementAndGet() == 0) {
      // a waiter checks the count under the lock before it waits, so this signal cannot fall between the two
      lock.lock();
      try {
        emptied.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** True while both limits leave room; a single message larger than the byte limit fits an empty window. */
  public boolean hasRoom() {
    int m = messages.get();
    return m == 0 || (m < maxMessages && bytes.get() < maxBytes);
  }

  /** Waits until every message in flight was settled; false when the timeout passed first. */
  public boolean awaitEmpty(Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (messages.get() > 0) {
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
    return messages.get();
  }

  public long bytes() {
    return bytes.get();
  }
}
