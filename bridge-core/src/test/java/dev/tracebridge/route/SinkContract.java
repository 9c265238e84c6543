package dev.tracebridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules every {@link Sink} keeps, whatever its broker: one suite, run by one subclass per endpoint
 * kind (and by the in-memory sink of the engine tests), so that the engine can rely on them: sends are
 * confirmed in order and arrive byte-exact, a failure is a failed future and never an exception, and the
 * sink says what a failure means.
 */
@Timeout(90)
public abstract class SinkContract {

  /** What arrived at the destination: payload and headers in the bridge's neutral model. */
  public record Arrived(String payload, MessageHeaders headers) {
  }

  private final List<Sink> opened = new ArrayList<>();

  /** Makes a new destination (topic, subject with a stream) for this test; called before each test. */
  protected abstract void newDestination() throws Exception;

  /** The destination's name, as a route's filled template gives it. */
  protected abstract String destination();

  /** A name the broker or client can never publish to (the message's fault, not the broker's). */
  protected abstract String invalidDestination();

  protected abstract Sink newSink() throws Exception;

  /** Reads the first {@code count} messages that arrived at the destination, in arrival order. */
  protected abstract List<Arrived> read(int count) throws Exception;

  @BeforeEach
  void destinationForTest() throws Exception {
    newDestination();
  }

  @AfterEach
  void closeSinks() {
    opened.forEach(Sink::close);
  }

  private Sink started() throws Exception {
    Sink sink = newSink();
    opened.add(sink);
    sink.start();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(sink::isConnected);
    return sink;
  }

  private OutboundMessage message(String destination, int i) {
    MessageHeaders headers = MessageHeaders.builder()
        .add("retry-count", String.valueOf(i))
        .add("x-multi", "first")
        .add("x-multi", "second")
        .build();
    return new OutboundMessage(destination, null, ("m" + i).getBytes(StandardCharsets.UTF_8), headers, "contract-" + i);
  }

  @Test
  void confirmsEverySendAndTheDestinationHasThemInSendOrderWithEveryHeader() throws Exception {
    Sink sink = started();
    List<CompletableFuture<SendReceipt>> receipts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      receipts.add(sink.send(message(destination(), i)));
    }
    for (CompletableFuture<SendReceipt> receipt : receipts) {
      assertEquals(destination(), receipt.get(30, TimeUnit.SECONDS).destination());
    }
    List<Arrived> arrived = read(200);
    for (int i = 0; i < 200; i++) {
      assertEquals("m" + i, arrived.get(i).payload());
      MessageHeaders headers = arrived.get(i).headers();
      assertEquals(List.of(Header.ofString("retry-count", String.valueOf(i))), headers.all("retry-count"));
      assertEquals(List.of(Header.ofString("x-multi", "first"), Header.ofString("x-multi", "second")),
          headers.all("x-multi"), "values of one name keep their order");
    }
  }

  @Test
  void aSendToAnInvalidDestinationFailsItsFutureAndIsTheMessagesFault() throws Exception {
    Sink sink = started();
    CompletableFuture<SendReceipt> receipt = sink.send(message(invalidDestination(), 0));
    ExecutionException failure = assertThrows(ExecutionException.class, () -> receipt.get(30, TimeUnit.SECONDS));
    assertEquals(ErrorClass.MESSAGE, sink.classify(failure.getCause()), failure.getCause().toString());
    // and the sink goes on
    sink.send(message(destination(), 1)).get(30, TimeUnit.SECONDS);
  }

  @Test
  void flushWaitsForEverySendToBeConfirmed() throws Exception {
    Sink sink = started();
    List<CompletableFuture<SendReceipt>> receipts = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      receipts.add(sink.send(message(destination(), i)));
    }
    sink.flush(Duration.ofSeconds(30));
    assertTrue(receipts.stream().allMatch(CompletableFuture::isDone), "flush returned before every send completed");
  }

  @Test
  void aSendAfterCloseFailsItsFutureInsteadOfThrowing() throws Exception {
    Sink sink = started();
    sink.close();
    CompletableFuture<SendReceipt> receipt = sink.send(message(destination(), 0));
    assertThrows(ExecutionException.class, () -> receipt.get(30, TimeUnit.SECONDS));
  }
}
