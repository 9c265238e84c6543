package dev.tracebridge.route;

import dev.tracebridge.config.RetryConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, the one rule every retrying loop of the bridge uses: route retries,
 * reconnects and polling after a broker error. The delay doubles from {@code initial} up to {@code max},
 * plus up to 20% jitter so that several bridge processes do not retry in lockstep. Immutable; callers
 * keep their own attempt count, or use {@link #attempts()}.
 */
public final class Backoff {

  /** Reconnecting to a broker and polling after a client error: 100 ms doubling up to 5 s. */
  public static final Backoff RECONNECT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

  private final long initialMillis;
  private final long maxMillis;

  public Backoff(Duration initial, Duration max) {
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 <= initial <= max: " + initial + ", " + max);
    }
    this.initialMillis = initial.toMillis();
    this.maxMillis = max.toMillis();
  }

  /** The route's {@code retry} settings as a backoff. */
  public static Backoff of(RetryConfig retry) {
    return new Backoff(retry.initialBackoff(), retry.maxBackoff());
  }

  /** The delay before retry number {@code attempt} (1 for the first), without jitter. */
  public long baseMillis(long attempt) {
    long shift = Math.min(Math.max(attempt - 1, 0), 30);
    long delay = initialMillis << shift;
    return Math.min(Math.max(delay, initialMillis), maxMillis);
  }

  /** The delay before retry number {@code attempt} (1 for the first), with up to 20% jitter added. */
  public Duration delay(long attempt) {
    long base = baseMillis(attempt);
    return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base / 5 + 1));
  }

  /** A counter of attempts against this backoff, for one retrying loop. Not thread-safe. */
  public Attempts attempts() {
    return new Attempts(this);
  }

  /** One loop's attempts: {@link #next} gives the next delay, {@link #reset} starts over after a success. */
  public static final class Attempts {
    private final Backoff backoff;
    private long count;

    private Attempts(Backoff backoff) {
      this.backoff = backoff;
    }

    public Duration next() {
      return backoff.delay(++count);
    }

    /** Sleeps for the next delay; an interrupt is how a stopping loop wakes up. */
    public void sleep() throws InterruptedException {
      Thread.sleep(next().toMillis());
    }

    public void reset() {
      count = 0;
    }
  }
}
