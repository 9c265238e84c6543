package dev.tracebridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tracebridge.config.RetryConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesFromTheInitialBackoffUpToTheMaximum() {
    RetryConfig retry = new RetryConfig(10, Duration.ofMillis(200), Duration.ofSeconds(1));
    assertEquals(200, RouteRunner.backoffMillis(retry, 1));
    assertEquals(400, RouteRunner.backoffMillis(retry, 2));
    assertEquals(800, RouteRunner.backoffMillis(retry, 3));
    assertEquals(1000, RouteRunner.backoffMillis(retry, 4));
    assertEquals(1000, RouteRunner.backoffMillis(retry, 64), "no overflow for long outages");
  }
}
