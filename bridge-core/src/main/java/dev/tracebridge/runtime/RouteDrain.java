package dev.tracebridge.runtime;

import dev.tracebridge.route.RouteRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops routes the way a shutdown and a reload both do, against one deadline for all of them: every
 * route stops consuming at once; all drain side by side until the deadline minus a reserve for closing;
 * whatever is still in flight then is given up (unacknowledged, so delivered again); finally every route
 * closes side by side: sinks flush, sources commit or ack, connections close.
 */
final class RouteDrain {

  private static final Logger log = LoggerFactory.getLogger(RouteDrain.class);

  /** Kept back from the timeout for flushing, committing and closing after the drain. */
  static final Duration CLOSE_RESERVE = Duration.ofSeconds(5);

  private RouteDrain() {
  }

  static void drainAndClose(List<RouteRunner> routes, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long drainDeadline = deadline - Math.min(CLOSE_RESERVE.toNanos(), timeout.toNanos() / 2);
    routes.forEach(RouteRunner::stopConsuming);
    // the routes drain on their own threads, all at once; this only waits, against one deadline
    for (RouteRunner route : routes) {
      if (!route.awaitDrained(until(drainDeadline))) {
        log.warn("route {}: {} messages not confirmed before the drain deadline; giving them up, they will be delivered again",
            route.name(), route.inFlight());
        route.giveUp();
      }
    }
    closeAll(routes, deadline);
  }

  private static void closeAll(List<RouteRunner> routes, long deadline) throws InterruptedException {
    List<Thread> closers = new ArrayList<>();
    for (RouteRunner route : routes) {
      Thread closer = new Thread(() -> {
        try {
          route.close(until(deadline));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          log.warn("route {}: closing failed: {}", route.name(), e.toString());
        }
      }, "bridge-close-" + route.name());
      closer.setDaemon(true);
      closer.start();
      closers.add(closer);
    }
    for (Thread closer : closers) {
      // past the deadline, closers still get a moment: a consumer's final commit is worth waiting for
      closer.join(Math.max(until(deadline).toMillis(), 1_000));
    }
  }

  private static Duration until(long deadlineNanos) {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }
}
