package dev.tracebridge.route;

import dev.tracebridge.config.InFlightConfig;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds what a route has sent but not yet seen confirmed, by count and by bytes. The source's thread
 * blocks in {@link #acquire} while the window is full; confirmations release it. A single message
 * larger than the byte limit is still let through when the window is empty, so that it cannot stall
 * the route forever.
 */
public final class InFlightWindow {

  private final int maxMessages;
  private final long maxBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private int messages;
  private long bytes;
  private boolean closed;

  public InFlightWindow(InFlightConfig config) {
    this.maxMessages = config.maxMessages();
    this.maxBytes = config.maxBytes();
  }

  /**
   * Takes room for one message; blocks while there is none.
   *
   * @return false when the window was closed (the route is stopping) instead of granting room
   */
  public boolean acquire(long size) throws InterruptedException {
    lock.lock();
    try {
      while (!closed && (messages >= maxMessages || (messages > 0 && bytes + size > maxBytes))) {
        changed.await();
      }
      if (closed) {
        return false;
      }
      messages++;
      bytes += size;
      return true;
    } finally {
      lock.unlock();
    }
  }

  public void release(long size) {
    lock.lock();
    try {
      messages--;
      bytes -= size;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Refuses further messages and wakes a source blocked in {@link #acquire}. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every message in flight was confirmed or given up; false on timeout. */
  public boolean awaitEmpty(Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (messages > 0) {
        if (remaining <= 0) {
          return false;
        }
        remaining = changed.awaitNanos(remaining);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  public int messages() {
    lock.lock();
    try {
      return messages;
    } finally {
      lock.unlock();
    }
  }
}
