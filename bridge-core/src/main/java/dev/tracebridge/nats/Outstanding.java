package dev.tracebridge.nats;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** The futures a sink has handed out and not yet completed, so that {@code flush} can wait for them. */
final class Outstanding {

  private final Set<CompletableFuture<?>> futures = ConcurrentHashMap.newKeySet();

  void add(CompletableFuture<?> future) {
    futures.add(future);
    future.whenComplete((r, e) -> futures.remove(future));
  }

  /** Fails every future not yet completed with this error (the connection they were written to is gone). */
  void failAll(Throwable error) {
    for (CompletableFuture<?> future : futures.toArray(CompletableFuture[]::new)) {
      future.completeExceptionally(error);
    }
  }

  /** Waits up to the timeout for every future added before the call to complete, either way. */
  void await(Duration timeout) {
    CompletableFuture<?>[] snapshot = futures.toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(snapshot).get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // a failed send is reported through its own future; a timeout leaves the rest to the caller
    }
  }

  int size() {
    return futures.size();
  }
}
