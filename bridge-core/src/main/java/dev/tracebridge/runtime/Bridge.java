package dev.tracebridge.runtime;

import dev.tracebridge.admin.AdminServer;
import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.route.BridgeStatus;
import dev.tracebridge.route.RouteRunner;
import dev.tracebridge.route.RouteView;
import dev.tracebridge.tracing.RelayTracer;
import dev.tracebridge.tracing.Telemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running bridge: every route of a configuration and the admin server.
 *
 * <p>Stopping follows one deadline for all routes, so that the whole drain fits a pod's grace period:
 * every route stops consuming at once; all drain side by side until {@code shutdown-timeout} minus a
 * reserve for closing; whatever is still in flight then is given up (unacknowledged, so delivered
 * again); finally every route closes side by side: sinks flush, sources commit or ack, connections close.
 */
public final class Bridge implements BridgeStatus, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  /** Kept back from the shutdown timeout for flushing, committing and closing after the drain. */
  static final Duration CLOSE_RESERVE = Duration.ofSeconds(5);

  private final Telemetry telemetry;
  private final List<RouteRunner> routes;
  private final Duration shutdownTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BridgeMetrics metrics;
  private volatile AdminServer admin;

  private Bridge(Telemetry telemetry, List<RouteRunner> routes, Duration shutdownTimeout, BridgeMetrics metrics) {
    this.metrics = metrics;
    this.telemetry = telemetry;
    this.routes = routes;
    this.shutdownTimeout = shutdownTimeout;
  }

  /** Starts every route (each connects in the background) and the admin server. */
  public static Bridge start(BridgeConfig config, Telemetry telemetry) throws InterruptedException {
    // JVM binders only here, in the process that runs routes: not in every test's registry
    BridgeMetrics metrics = new BridgeMetrics().withJvmMetrics();
    List<RouteRunner> routes = new ArrayList<>();
    for (RouteConfig route : config.routes()) {
      routes.add(new RouteRunner(route,
          Endpoints.source(route, config),
          Endpoints.sink(route, "sink", route.to(), config),
          route.deadLetter().map(dl -> Endpoints.sink(route, "dead-letter", dl, config)),
          new RelayTracer(telemetry.openTelemetry(), config, route),
          metrics.registry()));
    }
    routes.forEach(RouteRunner::start);
    Bridge bridge = new Bridge(telemetry, List.copyOf(routes), config.shutdownTimeout(), metrics);
    metrics.bind(bridge);
    if (config.admin().enabled()) {
      bridge.admin = AdminServer.start(config.admin(), bridge, metrics);
    }
    return bridge;
  }

  /** The bridge's meters, as {@code /metrics} renders them. */
  public BridgeMetrics metrics() {
    return metrics;
  }

  /** The admin server's port, when it runs. */
  public OptionalInt adminPort() {
    return admin == null ? OptionalInt.empty() : OptionalInt.of(admin.port());
  }

  public boolean isReady() {
    return routes.stream().allMatch(r -> r.state().isReady());
  }

  @Override
  public List<RouteView> routes() {
    return List.copyOf(routes);
  }

  public Optional<RouteView> route(String name) {
    return routes.stream().filter(r -> r.name().equals(name)).map(RouteView.class::cast).findFirst();
  }

  /** Spans that never reached the collector: dropped on a full queue or lost in a failed export. */
  @Override
  public long droppedSpans() {
    return telemetry.droppedSpans() + telemetry.failedSpans();
  }

  @Override
  public long exportedSpans() {
    return telemetry.exportedSpans();
  }

  /** Drains and stops every route against one deadline, {@code bridge.shutdown-timeout}. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long start = System.nanoTime();
    long deadline = start + shutdownTimeout.toNanos();
    long drainDeadline = deadline - Math.min(CLOSE_RESERVE.toNanos(), shutdownTimeout.toNanos() / 2);
    log.info("stopping: draining {} routes within {} s", routes.size(), shutdownTimeout.toSeconds());
    routes.forEach(RouteRunner::stopConsuming);
    try {
      // the routes drain on their own threads, all at once; this only waits, against one deadline
      for (RouteRunner route : routes) {
        if (!route.awaitDrained(until(drainDeadline))) {
          log.warn("route {}: {} messages not confirmed before the drain deadline; giving them up, they will be delivered again",
              route.name(), route.inFlight());
          route.giveUp();
        }
      }
      closeAll(deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (admin != null) {
        admin.close(); // last, so that probes saw the drain
      }
      metrics.close();
    }
    log.info("stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private void closeAll(long deadline) throws InterruptedException {
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
