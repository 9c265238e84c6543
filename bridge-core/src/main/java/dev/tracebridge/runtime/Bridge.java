package dev.tracebridge.runtime;

import dev.tracebridge.admin.AdminServer;
import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running bridge: every route of a configuration, the admin server, and the order in which they
 * stop (stop consuming everywhere first, then drain each route, then close).
 */
public final class Bridge implements BridgeStatus, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  /** How long a stop waits for messages in flight before it gives up on them (they are delivered again). */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);

  private final Telemetry telemetry;
  private final List<RouteRunner> routes;
  private final ScheduledExecutorService scheduler;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile AdminServer admin;

  private Bridge(Telemetry telemetry, List<RouteRunner> routes, ScheduledExecutorService scheduler) {
    this.telemetry = telemetry;
    this.routes = routes;
    this.scheduler = scheduler;
  }

  /** Starts every route (each connects in the background) and the admin server. */
  public static Bridge start(BridgeConfig config, Telemetry telemetry) throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, daemonThreads());
    List<RouteRunner> routes = new ArrayList<>();
    for (RouteConfig route : config.routes()) {
      RouteRunner runner = new RouteRunner(route,
          Endpoints.source(route, config),
          Endpoints.sink(route, "sink", route.to(), config),
          route.deadLetter().map(dl -> Endpoints.sink(route, "dead-letter", dl, config)),
          new RelayTracer(telemetry.openTelemetry(), config, route),
          scheduler);
      routes.add(runner);
    }
    routes.forEach(RouteRunner::start);
    Bridge bridge = new Bridge(telemetry, List.copyOf(routes), scheduler);
    if (config.admin().enabled()) {
      bridge.admin = AdminServer.start(config.admin(), bridge);
    }
    return bridge;
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "bridge-scheduler-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
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

  /**
   * Drains and stops: no route consumes any more, what is in flight is confirmed (or, after
   * {@link #DRAIN_TIMEOUT}, left unacknowledged), offsets are committed, producers flushed.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    log.info("stopping: draining {} routes", routes.size());
    routes.forEach(RouteRunner::stopConsuming);
    try {
      for (RouteRunner route : routes) {
        route.drainAndClose(DRAIN_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      scheduler.shutdownNow();
      if (admin != null) {
        admin.close(); // last, so that probes saw the drain
      }
    }
    log.info("stopped");
  }
}
