package dev.tracebridge.nats;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for retrying while a NATS server or a stream is unavailable:
 * 100 ms doubling up to 5 s (plus up to 20% jitter), so that a restarted server is found again quickly without hammering one
 * that stays down. Not thread-safe: one per retrying loop.
 */
final class Backoff {

  static final Duration INITIAL = Duration.ofMillis(100);
  static final Duration MAX = Duration.ofSeconds(5);

  private long attempts;

  /** The delay before the next attempt; each call doubles it up to the maximum. */
  Duration next() {
    return delayFor(attempts++);
  }

  void reset() {
    attempts = 0;
  }

  /** Sleeps for the next delay; the interruption is how a stopping loop wakes up. */
  void sleep() throws InterruptedException {
    Thread.sleep(next().toMillis());
  }

  static Duration delayFor(long attempt) {
    long base = INITIAL.toMillis() << Math.min(attempt, 16);
    long capped = Math.min(base, MAX.toMillis());
    // jitter of up to 20% keeps several bridge processes from reconnecting in lockstep
    return Duration.ofMillis(capped + ThreadLocalRandom.current().nextLong(capped / 5 + 1));
  }
}
