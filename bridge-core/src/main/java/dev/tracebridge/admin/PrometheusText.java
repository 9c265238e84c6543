package dev.tracebridge.admin;

import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.route.BridgeStatus;
import dev.tracebridge.route.RouteView;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Renders the bridge's metrics in the Prometheus text exposition format 0.0.4. Each metric family appears
 * once, with its HELP and TYPE lines, followed by one sample per route (label {@code route}).
 */
final class PrometheusText {

  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final String DURATION = "bridge_relay_duration_seconds";

  private PrometheusText() {
  }

  static String render(BridgeStatus status) {
    List<RouteView> routes = status.routes();
    StringBuilder out = new StringBuilder(4096);
    routeCounter(out, routes, "bridge_messages_consumed_total",
        "Messages received from the route's source.", RouteMetrics::consumedCount);
    routeCounter(out, routes, "bridge_messages_produced_total",
        "Messages the route's destination confirmed.", RouteMetrics::producedCount);
    routeCounter(out, routes, "bridge_messages_dead_lettered_total",
        "Messages sent to the route's dead letter.", RouteMetrics::deadLetteredCount);
    routeCounter(out, routes, "bridge_messages_retried_total",
        "Delivery attempts repeated after a failure.", RouteMetrics::retriedCount);
    routeCounter(out, routes, "bridge_messages_failed_total",
        "Messages neither delivered nor dead-lettered; each stops its route.", RouteMetrics::failedCount);
    durationHistogram(out, routes);
    header(out, "bridge_route_up", "1 when the route is connected and relaying, else 0.", "gauge");
    for (RouteView route : routes) {
      sample(out, "bridge_route_up", routeLabel(route), route.state().isReady() ? 1 : 0);
    }
    routeValue(out, routes, "bridge_in_flight_messages", "Messages taken from the source and not yet settled.",
        "gauge", RouteView::inFlightMessages);
    routeValue(out, routes, "bridge_in_flight_bytes", "Bytes of the messages in flight.", "gauge",
        RouteView::inFlightBytes);
    routeValue(out, routes, "bridge_source_dropped_total",
        "Messages the source lost before the route saw them (core NATS slow consumer).", "counter",
        RouteView::sourceDropped);
    header(out, "bridge_spans_dropped_total", "Spans that never reached the collector: export queue full or export failed.", "counter");
    sample(out, "bridge_spans_dropped_total", "", status.droppedSpans());
    header(out, "bridge_spans_exported_total", "Spans handed to the exporter.", "counter");
    sample(out, "bridge_spans_exported_total", "", status.exportedSpans());
    return out.toString();
  }

  private static void routeCounter(StringBuilder out, List<RouteView> routes, String name, String help,
      ToLongFunction<RouteMetrics> count) {
    routeValue(out, routes, name, help, "counter", route -> count.applyAsLong(route.metrics()));
  }

  private static void routeValue(StringBuilder out, List<RouteView> routes, String name, String help, String type,
      ToLongFunction<RouteView> value) {
    header(out, name, help, type);
    for (RouteView route : routes) {
      sample(out, name, routeLabel(route), value.applyAsLong(route));
    }
  }

  private static void durationHistogram(StringBuilder out, List<RouteView> routes) {
    header(out, DURATION, "Time from receipt of a message to the destination's confirmation.", "histogram");
    for (RouteView route : routes) {
      String label = routeLabel(route);
      // One snapshot of the buckets, so that the cumulative counts, +Inf and _count agree with each other.
      long[] perBucket = route.metrics().durationBucketCounts();
      long cumulative = 0;
      for (int i = 0; i < perBucket.length; i++) {
        cumulative += perBucket[i];
        String le = i < RouteMetrics.DURATION_BUCKETS.length ? bound(RouteMetrics.DURATION_BUCKETS[i]) : "+Inf";
        sample(out, DURATION + "_bucket", label + ",le=\"" + le + "\"", cumulative);
      }
      out.append(DURATION).append("_sum{").append(label).append("} ")
          .append(number(route.metrics().durationSumSeconds())).append('\n');
      sample(out, DURATION + "_count", label, cumulative);
    }
  }

  private static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, String labels, long value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(value).append('\n');
  }

  private static String routeLabel(RouteView route) {
    return "route=\"" + escapeLabelValue(route.name()) + '"';
  }

  /** Escapes a label value as the format requires: backslash, double quote and line feed. */
  static String escapeLabelValue(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A bucket bound as Prometheus' own clients write it ({@code 0.0005}, {@code 1}, {@code 2.5}), not 5.0E-4. */
  private static String bound(double bound) {
    return BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
  }

  /** A float as Go's ParseFloat reads it, which is what the format asks for. */
  private static String number(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    return Double.toString(value);
  }
}
