package dev.tracebridge.route;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.InFlightConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {

  @Test
  void blocksAtTheMessageLimitUntilAConfirmationReleasesRoom() throws Exception {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(2, 1_000));
    assertTrue(window.acquire(1));
    assertTrue(window.acquire(1));
    CompletableFuture<Boolean> third = CompletableFuture.supplyAsync(() -> acquire(window, 1));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !third.isDone());
    window.release(1);
    assertTrue(third.get());
    assertEquals(2, window.messages());
  }

  @Test
  void blocksAtTheByteLimitButLetsOneOversizedMessageThroughAlone() throws Exception {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(100, 10));
    assertTrue(window.acquire(50), "an oversized message passes when the window is empty");
    CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> acquire(window, 1));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !next.isDone());
    window.release(50);
    assertTrue(next.get());
  }

  @Test
  void closeWakesABlockedSourceAndRefuses() throws Exception {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(1, 10));
    assertTrue(window.acquire(1));
    CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> acquire(window, 1));
    window.close();
    assertFalse(blocked.get());
    assertFalse(window.awaitEmpty(Duration.ofMillis(50)));
    window.release(1);
    assertTrue(window.awaitEmpty(Duration.ofMillis(50)));
  }

  private static boolean acquire(InFlightWindow window, long size) {
    try {
      return window.acquire(size);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
