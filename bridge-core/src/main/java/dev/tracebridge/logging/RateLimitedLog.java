package dev.tracebridge.logging;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning that may come once per message or per retry, written at most once per interval. A broker
 * that refuses every message would otherwise flood the log with one line per message, hiding everything
 * else and costing more than the relay; a line that says how many were left out keeps the count honest.
 *
 * <p>The first warning is written at once; those within the interval after it are only counted, and
 * the next one written after the interval says {@code (N more like this in the last S s)}. A count
 * left when warnings stop is not written: the metrics hold the totals. One instance per route and kind
 * of warning, so that one noisy route does not hide another's. Thread-safe.
 */
public final class RateLimitedLog {

  /** Ten seconds: a human reading a tail sees the problem is ongoing; a log store stores six lines a minute. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private boolean written;
  private long lastWritten;
  private long suppressed;

  public RateLimitedLog(Logger log) {
    this(log, DEFAULT_INTERVAL, System::nanoTime);
  }

  /** With another interval and clock ({@link System#nanoTime()} or a test's). */
  public RateLimitedLog(Logger log, Duration interval, LongSupplier nanoClock) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * Writes the warning unless one was written less than the interval ago, in which case it is counted.
   * Arguments as SLF4J takes them; a {@link Throwable} last stays the line's exception.
   */
  public void warn(String format, Object... arguments) {
    long left;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      if (written && now - lastWritten < intervalNanos) {
        suppressed++;
        return;
      }
      written = true;
      lastWritten = now;
      left = suppressed;
      suppressed = 0;
    }
    if (!log.isWarnEnabled()) {
      return;
    }
    if (left == 0) {
      log.warn(format, arguments);
      return;
    }
    log.warn(format + " ({} more like this in the last {} s)", withCount(arguments, left));
  }

  /** Warnings counted and not yet written. */
  public synchronized long suppressed() {
    return suppressed;
  }

  /** The count and interval go before a trailing throwable, which SLF4J takes as the exception only when last. */
  private Object[] withCount(Object[] arguments, long left) {
    boolean throwableLast = arguments.length > 0 && arguments[arguments.length - 1] instanceof Throwable;
    int plain = throwableLast ? arguments.length - 1 : arguments.length;
    Object[] all = Arrays.copyOf(arguments, arguments.length + 2);
    all[plain] = left;
    all[plain + 1] = Duration.ofNanos(intervalNanos).toSeconds();
    if (throwableLast) {
      all[plain + 2] = arguments[arguments.length - 1];
    }
    return all;
  }
}
