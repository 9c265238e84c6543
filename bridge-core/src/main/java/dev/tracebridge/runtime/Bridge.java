package dev.tracebridge.runtime;

import dev.tracebridge.admin.AdminServer;
import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.reply.ReplyRelay;
import dev.tracebridge.route.BridgeStatus;
import dev.tracebridge.route.RouteRunner;
import dev.tracebridge.route.RouteView;
import dev.tracebridge.route.Sink;
import dev.tracebridge.tracing.RelayTracer;
import dev.tracebridge.tracing.Telemetry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running bridge: the routes of the current configuration (with the reply relay of each request-reply
 * route, {@link ReplyRelay}) and the admin server.
 *
 * <p>{@link #reload} applies a new configuration without interrupting what did not change: routes whose
 * configuration changed are drained and started again, new ones started, removed ones drained and
 * stopped, untouched ones go on. {@link #close} drains every route against {@code bridge.shutdown-timeout}
 * ({@link RouteDrain}).
 */
public final class Bridge implements BridgeStatus, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  private final Telemetry telemetry;
  /** Replaced whole by a reload, so that readers (admin endpoints) always see one consistent list. */
  private volatile List<RouteRunner> routes;
  private volatile BridgeConfig config;
  private volatile int version = 1;
  private boolean closed;
  private final BridgeMetrics metrics;
  private volatile AdminServer admin;

  private Bridge(Telemetry telemetry, BridgeConfig config, BridgeMetrics metrics) {
    this.metrics = metrics;
    this.telemetry = telemetry;
    this.config = config;
    this.routes = List.of();
  }

  /** Starts every route (each connects in the background) and the admin server. */
  public static Bridge start(BridgeConfig config, Telemetry telemetry) throws InterruptedException {
    // JVM binders only here, in the process that runs routes: not in every test's registry
    Bridge bridge = new Bridge(telemetry, config, new BridgeMetrics().withJvmMetrics());
    List<RouteRunner> routes = new ArrayList<>();
    for (RouteConfig route : ReplyRelay.withRelays(config.routes())) {
      routes.add(bridge.newRoute(config, route));
    }
    routes.forEach(RouteRunner::start);
    bridge.routes = List.copyOf(routes);
    bridge.metrics.bind(bridge);
    if (config.admin().enabled()) {
      bridge.admin = AdminServer.start(config.admin(), bridge, bridge.metrics);
    }
    return bridge;
  }

  private RouteRunner newRoute(BridgeConfig bridge, RouteConfig route) {
    if (ReplyRelay.isRelay(route)) {
      Optional<Sink> deadLetter = route.deadLetter().map(dl -> Endpoints.sink(route, "dead-letter", dl, bridge));
      return ReplyRelay.runner(route, bridge, deadLetter, telemetry.openTelemetry(), metrics.registry(), version);
    }
    return new RouteRunner(route,
        Endpoints.source(route, bridge),
        Endpoints.sink(route, "sink", route.to(), bridge),
        route.deadLetter().map(dl -> Endpoints.sink(route, "dead-letter", dl, bridge)),
        Endpoints.replySink(route, bridge),
        new RelayTracer(telemetry.openTelemetry(), bridge, route),
        metrics.registry(),
        version);
  }

  /** What a reload did, by route name. */
  public record ReloadResult(int version, List<String> started, List<String> restarted, List<String> stopped,
                             List<String> unchanged) {
  }

  /**
   * Applies a new configuration (already checked by the loader): routes whose configuration changed are
   * drained and started again, new ones started, removed ones drained and stopped; untouched routes are not
   * interrupted. A change to the shared Kafka, NATS or tracing settings restarts every route, since they
   * all use them. The admin server and the telemetry SDK keep their first settings until the process
   * restarts (logged). Changed and removed routes drain against {@code bridge.shutdown-timeout}; what is not
   * confirmed by then is delivered again to the new route, so nothing is lost.
   */
  public synchronized ReloadResult reload(BridgeConfig next) throws InterruptedException {
    if (closed) {
      throw new IllegalStateException("the bridge is stopping");
    }
    BridgeConfig previous = config;
    boolean sharedChanged = !Objects.equals(previous.kafka(), next.kafka()) || !Objects.equals(previous.nats(), next.nats())
        || !Objects.equals(previous.tracing(), next.tracing());
    warnAboutSettingsThatNeedARestart(previous, next);

    Map<String, RouteRunner> running = new LinkedHashMap<>();
    routes.forEach(r -> running.put(r.name(), r));
    Map<String, RouteConfig> wanted = new LinkedHashMap<>();
    ReplyRelay.withRelays(next.routes()).forEach(r -> wanted.put(r.name(), r));

    List<RouteRunner> toStop = new ArrayList<>();
    List<String> started = new ArrayList<>();
    List<String> restarted = new ArrayList<>();
    List<String> stopped = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    for (RouteRunner route : running.values()) {
      RouteConfig target = wanted.get(route.name());
      if (target == null) {
        toStop.add(route);
        stopped.add(route.name());
      } else if (sharedChanged || !target.equals(route.config())) {
        toStop.add(route);
        restarted.add(route.name());
      } else {
        unchanged.add(route.name());
      }
    }
    for (String name : wanted.keySet()) {
      if (!running.containsKey(name)) {
        started.add(name);
      }
    }
    // Drain first, then start: the new route of a changed one must not consume beside the old one.
    RouteDrain.drainAndClose(toStop, next.shutdownTimeout());
    toStop.forEach(metrics::unbindRoute); // before a successor of the same name registers its own series

    int nextVersion = version + 1;
    version = nextVersion;
    List<RouteRunner> nextRoutes = new ArrayList<>();
    List<RouteRunner> fresh = new ArrayList<>();
    for (RouteConfig route : ReplyRelay.withRelays(next.routes())) {
      RouteRunner keep = running.get(route.name());
      if (keep != null && !toStop.contains(keep)) {
        nextRoutes.add(keep);
      } else {
        RouteRunner runner = newRoute(next, route);
        nextRoutes.add(runner);
        fresh.add(runner);
      }
    }
    fresh.forEach(RouteRunner::start);
    fresh.forEach(metrics::bindRoute);
    routes = List.copyOf(nextRoutes);
    config = next;
    ReloadResult result = new ReloadResult(nextVersion, started, restarted, stopped, unchanged);
    log.info("configuration version {} applied: started {}, restarted {}, stopped {}, unchanged {}", nextVersion,
        started, restarted, stopped, unchanged);
    return result;
  }

  private static void warnAboutSettingsThatNeedARestart(BridgeConfig previous, BridgeConfig next) {
    if (!previous.admin().equals(next.admin())) {
      log.warn("bridge.admin changed; the admin server keeps its settings until the bridge restarts");
    }
    if (!previous.serviceName().equals(next.serviceName()) || !previous.otelProperties().equals(next.otelProperties())) {
      log.warn("bridge.service-name or bridge.otel changed; the telemetry SDK keeps its settings until the bridge restarts");
    }
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

  /** The version of the configuration now applied: 1 at start, one more for every applied reload. */
  @Override
  public int configVersion() {
    return version;
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
    List<RouteRunner> stopping;
    synchronized (this) {
      // a reload in progress finishes first: its fresh routes are then stopped here too
      if (closed) {
        return;
      }
      closed = true;
      stopping = routes;
    }
    long start = System.nanoTime();
    log.info("stopping: draining {} routes within {} s", stopping.size(), config.shutdownTimeout().toSeconds());
    try {
      RouteDrain.drainAndClose(stopping, config.shutdownTimeout());
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
}
