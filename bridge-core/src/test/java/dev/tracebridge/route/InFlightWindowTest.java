package dev.tracebridge.route;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.InFlightConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InFlightWindowTest {

  @Test
  void hasNoRoomAtTheMessageLimitAndRoomAgainAfterARelease() {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(2, 1_000));
    window.take(10);
    assertTrue(window.hasRoom());
    window.take(10);
    assertFalse(window.hasRoom());
    window.release(10);
    assertTrue(window.hasRoom());
  }

  @Test
  void hasNoRoomAtTheByteLimitButAnOversizeMessageFitsAnEmptyWindow() {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(100, 100));
    assertTrue(window.hasRoom());
    window.take(500);
    assertFalse(window.hasRoom(), "a message larger than the byte limit fills the window alone");
    window.release(500);
    assertTrue(window.hasRoom());
  }

  @Test
  void takingNeverBlocksEvenBeyondTheLimits() {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(1, 10));
    for (int i = 0; i < 1000; i++) {
      window.take(100); // a whole fetched batch is accepted; hasRoom() tells the source to stop fetching
    }
    assertFalse(window.hasRoom());
  }

  @Test
  void awaitEmptyReturnsWhenTheLastMessageIsReleasedAndTimesOutOtherwise() throws Exception {
    InFlightWindow window = new InFlightWindow(new InFlightConfig(10, 1_000));
    window.take(1);
    assertFalse(window.awaitEmpty(Duration.ofMillis(50)));
    CompletableFuture<Boolean> emptied = CompletableFuture.supplyAsync(() -> {
      try {
        return window.awaitEmpty(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    window.release(1);
    assertTrue(emptied.get(5, TimeUnit.SECONDS));
  }
}
