package dev.tracebridge.metrics;

import dev.tracebridge.route.BridgeStatus;
import dev.tracebridge.route.RouteView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The bridge's meter registry and what {@code /metrics} renders of it. Route counters and durations are
 * registered by each route's {@link RouteMetrics}; this class adds what is read from the routes' views
 * (state, in-flight, source drops, lag, reconnects), the span counts, and the JVM binders.
 *
 * <p>Everything here is read when scraped, nothing is pushed on the message path. Lag is the only family
 * whose series come and go (Kafka partitions are assigned and revoked), so it is a {@link MultiGauge}
 * refreshed from the sources at each scrape.
 */
public final class BridgeMetrics implements AutoCloseable {

  /** The tag naming the route on every per-route series. */
  public static final String ROUTE = "route";

  /** The Prometheus text format 0.0.4, the default answer of {@code /metrics}. */
  public static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** OpenMetrics 1.0, for a scraper whose {@code Accept} asks for it. */
  public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String OPENMETRICS_MEDIA_TYPE = "application/openmetrics-text";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<RouteView> routes = new CopyOnWriteArrayList<>();
  private final MultiGauge lag;
  /** Read by the lag rows' functions; replaced at each scrape, under the scrape's lock. */
  private volatile Map<Tags, Long> lagSnapshot = Map.of();
  private JvmGcMetrics gcMetrics;

  public BridgeMetrics() {
    lag = MultiGauge.builder("bridge.source.lag")
        .description("Kafka: records behind the log end per partition; JetStream: the consumer's pending count.")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Registers Micrometer's JVM binders (memory, GC, threads, class loading, processor, uptime) under their
   * standard names. Apart from the constructor so that tests building many registries start no GC listener.
   */
  public BridgeMetrics withJvmMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    synchronized (this) {
      gcMetrics = gc;
    }
    return this;
  }

  /** Binds the span counts and every route of {@code status}. */
  public BridgeMetrics bind(BridgeStatus status) {
    FunctionCounter.builder("bridge.spans.dropped", status, BridgeStatus::droppedSpans)
        .description("Spans that never reached the collector: export queue full or export failed.")
        .register(registry);
    FunctionCounter.builder("bridge.spans.exported", status, BridgeStatus::exportedSpans)
        .description("Spans handed to the exporter.")
        .register(registry);
    status.routes().forEach(this::bindRoute);
    return this;
  }

  /** Registers the gauges read from a route's view; its counters come with its {@link RouteMetrics}. */
  public void bindRoute(RouteView route) {
    Tags tags = Tags.of(ROUTE, route.name());
    gauge("bridge.route.up", "1 when the route is connected and relaying, else 0.", route,
        r -> r.state().isReady() ? 1 : 0, tags);
    gauge("bridge.in.flight.messages", "Messages taken from the source and not yet settled.", route,
        RouteView::inFlightMessages, tags);
    gauge("bridge.in.flight.bytes", "Bytes of the messages in flight.", route, RouteView::inFlightBytes, tags);
    FunctionCounter.builder("bridge.source.dropped", route, RouteView::sourceDropped)
        .description("Messages the source lost before the route saw them (core NATS slow consumer).")
        .tags(tags)
        .register(registry);
    // a route's connections are fixed when it is built, so these series are registered once
    for (String connection : route.reconnects().keySet()) {
      FunctionCounter.builder("bridge.reconnects", route, r -> r.reconnects().getOrDefault(connection, 0L))
          .description("NATS: times the connection was re-established after it was lost. Kafka: connections the "
              + "client opened (connection-creation-total), the first ones included.")
          .tags(tags.and("connection", connection))
          .register(registry);
    }
    routes.add(route);
  }

  /**
   * Removes every series of a route that stopped (a reload removed or replaced it), its counters included:
   * a replacement of the same name registers its own, which must not read the old route.
   */
  public void unbindRoute(RouteView route) {
    routes.remove(route);
    List<Meter> stale = registry.getMeters().stream()
        .filter(meter -> route.name().equals(meter.getId().getTag(ROUTE)))
        .toList();
    stale.forEach(registry::remove);
  }

  private void gauge(String name, String help, RouteView route, ToDoubleFunction<RouteView> value, Tags tags) {
    // strong reference: a route is alive as long as the bridge shows it, and a weak one would turn into NaN
    Gauge.builder(name, route, value).description(help).tags(tags).strongReference(true).register(registry);
  }

  /**
   * Renders every meter: OpenMetrics 1.0 when {@code accept} asks for {@code application/openmetrics-text},
   * else the Prometheus text format 0.0.4 (also for a protobuf request: this endpoint answers in text).
   */
  public synchronized Scrape scrape(String accept) {
    refreshSourceGauges();
    boolean openMetrics = accept != null && accept.toLowerCase(Locale.ROOT).contains(OPENMETRICS_MEDIA_TYPE);
    String contentType = openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
    return new Scrape(contentType, registry.scrape(contentType));
  }

  /** A rendered exposition and the content type to serve it with. */
  public record Scrape(String contentType, String body) {
  }

  /**
   * Reads every source's lag into a snapshot, one row a series whose value is looked up in the latest
   * snapshot: rows already registered keep their function (no re-registration per scrape), and rows
   * missing from the snapshot (a revoked partition) are removed by the MultiGauge.
   */
  private void refreshSourceGauges() {
    Map<Tags, Long> now = new HashMap<>();
    for (RouteView route : routes) {
      route.sourceLag().forEach((partition, value) ->
          now.put(Tags.of(ROUTE, route.name(), "partition", partition), value));
    }
    lagSnapshot = now;
    List<MultiGauge.Row<?>> rows = new ArrayList<>(now.size());
    for (Tags tags : now.keySet()) {
      rows.add(MultiGauge.Row.of(tags, () -> lagSnapshot.getOrDefault(tags, 0L)));
    }
    lag.register(rows, false);
  }

  @Override
  public void close() {
    JvmGcMetrics gc;
    synchronized (this) {
      gc = gcMetrics;
      gcMetrics = null;
    }
    if (gc != null) {
      gc.close();
    }
    registry.close();
  }
}
