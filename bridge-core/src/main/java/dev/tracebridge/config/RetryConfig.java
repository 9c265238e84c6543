package dev.tracebridge.config;

import java.time.Duration;

/** {@code retry}: how often and how patiently a failed delivery is tried again before it is dead-lettered. */
public record RetryConfig(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public static final RetryConfig DEFAULT = new RetryConfig(5, Duration.ofMillis(200), Duration.ofSeconds(30));
}
