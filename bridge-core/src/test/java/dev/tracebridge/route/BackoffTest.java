package dev.tracebridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.RetryConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = Backoff.of(new RetryConfig(10, Duration.ofMillis(200), Duration.ofSeconds(1)));

  @Test
  void doublesFromTheInitialBackoffUpToTheMaximum() {
    assertEquals(200, backoff.baseMillis(1));
    assertEquals(400, backoff.baseMillis(2));
    assertEquals(800, backoff.baseMillis(3));
    assertEquals(1000, backoff.baseMillis(4));
    assertEquals(1000, backoff.baseMillis(64), "no overflow for long outages");
    assertEquals(1000, backoff.baseMillis(Long.MAX_VALUE));
  }

  @Test
  void addsUpToTwentyPercentJitterSoThatBridgesDoNotRetryInLockstep() {
    for (int i = 0; i < 1000; i++) {
      long delay = backoff.delay(2).toMillis();
      assertTrue(delay >= 400 && delay <= 480, "delay " + delay);
    }
  }

  @Test
  void aLoopsAttemptsStartOverAfterReset() {
    Backoff.Attempts attempts = backoff.attempts();
    attempts.next();
    attempts.next();
    assertTrue(attempts.next().toMillis() >= 800);
    attempts.reset();
    assertTrue(attempts.next().toMillis() < 250);
  }
}
