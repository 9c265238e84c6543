package dev.tracebridge.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.route.RouteState;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

  // The text exposition format 0.0.4, as written in Prometheus' exposition_formats.md.
  private static final String METRIC_NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
  private static final String LABEL_VALUE = "\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"";
  private static final String LABEL = "(" + LABEL_NAME + ")=" + LABEL_VALUE;
  private static final String VALUE = "[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?Inf|NaN";
  private static final Pattern SAMPLE = Pattern.compile(
      "(" + METRIC_NAME + ")(\\{(?:" + LABEL + "(?:," + LABEL + ")*,?)?\\})? (" + VALUE + ")(?: -?\\d+)?");
  private static final Pattern LABEL_PAIR = Pattern.compile(LABEL);
  private static final Pattern HELP = Pattern.compile("# HELP (" + METRIC_NAME + ") .*");
  private static final Pattern TYPE =
      Pattern.compile("# TYPE (" + METRIC_NAME + ") (counter|gauge|histogram|summary|untyped)");

  @Test
  void rendersEveryFamilyInTheExpositionFormatWithCumulativeBuckets() throws Exception {
    BridgeMetrics registry = new BridgeMetrics();
    TestRoute orders = new TestRoute(registry.registry(), "orders", "kafka:orders", "nats:orders")
        .set(RouteState.RUNNING, null);
    RouteMetrics metrics = orders.metrics();
    for (int i = 0; i < 4; i++) {
      metrics.consumed();
    }
    metrics.produced(300_000);        // 0.0003 s: first bucket
    metrics.produced(3_000_000);      // 0.003 s: le=0.005
    metrics.produced(40_000_000_000L); // 40 s: only +Inf
    metrics.retried();
    metrics.deadLettered();
    TestRoute events = new TestRoute(registry.registry(), "events", "nats:events.>", "kafka:events")
        .set(RouteState.DISCONNECTED, "connection lost");
    TestBridgeStatus status = new TestBridgeStatus(List.of(orders, events), 7, 1234);

    try (AdminServer server = AdminHttp.start(status, registry)) {
      HttpResponse<String> response = AdminHttp.get(server, "/metrics");

      assertEquals(200, response.statusCode());
      assertEquals(Optional.of("text/plain; version=0.0.4; charset=utf-8"),
          response.headers().firstValue("content-type"));
      Map<String, String> samples = parse(response.body());

      assertEquals(4, value(samples, "bridge_messages_consumed_total{route=orders}"));
      assertEquals(3, value(samples, "bridge_messages_produced_total{route=orders}"));
      assertEquals(1, value(samples, "bridge_messages_dead_lettered_total{route=orders}"));
      assertEquals(1, value(samples, "bridge_messages_retried_total{route=orders}"));
      assertEquals(0, value(samples, "bridge_messages_failed_total{route=orders}"));
      assertEquals(0, value(samples, "bridge_in_flight_messages{route=orders}"));
      assertEquals(0, value(samples, "bridge_in_flight_bytes{route=orders}"));
      assertEquals(0, value(samples, "bridge_source_dropped_total{route=orders}"));
      assertEquals(0, value(samples, "bridge_messages_consumed_total{route=events}"));
      assertEquals(1, value(samples, "bridge_route_up{route=orders}"));
      assertEquals(0, value(samples, "bridge_route_up{route=events}"));
      assertEquals(7, value(samples, "bridge_spans_dropped_total"));
      assertEquals(1234, value(samples, "bridge_spans_exported_total"));

      // Written as the Prometheus Java client writes them (Java's Double.toString): histogram_quantile
      // reads them as numbers, so only a query matching an le value literally would care.
      List<String> bounds = List.of("5.0E-4", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
          "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "+Inf");
      assertEquals(RouteMetrics.DURATION_BUCKETS.length + 1, bounds.size());
      assertEquals(bounds.size(), samples.keySet().stream()
          .filter(key -> key.startsWith("bridge_relay_duration_seconds_bucket{route=orders,")).count());
      long previous = 0;
      for (String le : bounds) {
        String value = samples.get("bridge_relay_duration_seconds_bucket{route=orders,le=" + le + "}");
        if (value == null) {
          fail("no bucket le=" + le + " in\n" + response.body());
        }
        long cumulative = Long.parseLong(value);
        long expected = switch (le) {
          case "5.0E-4", "0.001", "0.0025" -> 1;
          case "+Inf" -> 3;
          default -> 2;
        };
        assertEquals(expected, cumulative, "le=" + le);
        assertTrue(cumulative >= previous, "buckets are cumulative");
        previous = cumulative;
      }
      assertEquals(3, value(samples, "bridge_relay_duration_seconds_count{route=orders}"));
      assertEquals(40.0033, value(samples, "bridge_relay_duration_seconds_sum{route=orders}"), 1e-9);
      assertEquals(40.0, value(samples, "bridge_relay_duration_seconds_max{route=orders}"), 1e-9);
      assertEquals(0, value(samples, "bridge_relay_duration_seconds_bucket{route=events,le=+Inf}"));
      assertEquals(0, value(samples, "bridge_relay_duration_seconds_count{route=events}"));
    }
  }

  @Test
  void escapesTheRouteLabelSoItReadsBackAsTheRouteName() throws Exception {
    String name = "we\"ird\\route\nname";
    BridgeMetrics registry = new BridgeMetrics();
    TestRoute route = new TestRoute(registry.registry(), name, "nats:a", "kafka:b").set(RouteState.RUNNING, null);
    route.metrics().consumed();

    try (AdminServer server = AdminHttp.start(new TestBridgeStatus(route), registry)) {
      String body = AdminHttp.get(server, "/metrics").body();

      assertTrue(body.contains("bridge_messages_consumed_total{route=\"we\\\"ird\\\\route\\nname\"} 1.0\n"), body);
      assertEquals(1, value(parse(body), "bridge_messages_consumed_total{route=" + name + "}"));
    }
  }

  @Test
  void servesOpenMetricsWhenTheScraperAsksForIt() throws Exception {
    BridgeMetrics registry = new BridgeMetrics();
    TestRoute orders = new TestRoute(registry.registry(), "orders", "kafka:orders", "nats:orders")
        .set(RouteState.RUNNING, null);
    orders.metrics().consumed();
    orders.metrics().produced(2_000_000);

    try (AdminServer server = AdminHttp.start(new TestBridgeStatus(orders), registry)) {
      // what Prometheus 2.x and 3.x send, OpenMetrics first
      HttpResponse<String> open = AdminHttp.get(server, "/metrics",
          "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
              + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
      assertEquals(Optional.of(BridgeMetrics.OPENMETRICS_CONTENT_TYPE), open.headers().firstValue("content-type"));
      String body = open.body();
      assertTrue(body.endsWith("# EOF\n"), body);
      // OpenMetrics names the counter family without _total and its sample with it
      assertTrue(body.contains("# TYPE bridge_messages_consumed counter\n"), body);
      assertTrue(body.contains("bridge_messages_consumed_total{route=\"orders\"} 1.0\n"), body);
      assertTrue(body.contains("# TYPE bridge_relay_duration_seconds histogram\n"), body);
      assertTrue(body.contains("bridge_relay_duration_seconds_count{route=\"orders\"} 1\n"), body);

      for (String accept : new String[] {"text/plain;version=0.0.4", "*/*",
          "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"}) {
        HttpResponse<String> text = AdminHttp.get(server, "/metrics", accept);
        assertEquals(Optional.of(BridgeMetrics.TEXT_CONTENT_TYPE), text.headers().firstValue("content-type"), accept);
        assertEquals(1, value(parse(text.body()), "bridge_messages_consumed_total{route=orders}"), accept);
      }
    }
  }

  @Test
  void rendersEachPartitionsLagAndForgetsPartitionsThatAreGone() throws Exception {
    BridgeMetrics registry = new BridgeMetrics();
    TestRoute orders = new TestRoute(registry.registry(), "orders", "kafka:orders", "nats:orders")
        .lag(Map.of("orders-0", 5L, "orders-1", 0L));
    TestRoute events = new TestRoute(registry.registry(), "events", "jetstream:EVENTS", "kafka:events")
        .lag(Map.of("", 42L));

    try (AdminServer server = AdminHttp.start(new TestBridgeStatus(orders, events), registry)) {
      Map<String, String> first = parse(AdminHttp.get(server, "/metrics").body());
      assertEquals(5, value(first, "bridge_source_lag{partition=orders-0,route=orders}"));
      assertEquals(0, value(first, "bridge_source_lag{partition=orders-1,route=orders}"));
      assertEquals(42, value(first, "bridge_source_lag{partition=,route=events}"));

      orders.lag(Map.of("orders-1", 7L)); // orders-0 revoked
      events.lag(Map.of("", 40L));
      Map<String, String> second = parse(AdminHttp.get(server, "/metrics").body());
      assertFalse(second.containsKey("bridge_source_lag{partition=orders-0,route=orders}"), second.toString());
      assertEquals(7, value(second, "bridge_source_lag{partition=orders-1,route=orders}"));
      assertEquals(40, value(second, "bridge_source_lag{partition=,route=events}"));
    }
  }

  @Test
  void rendersJvmMetricsUnderMicrometersStandardNames() throws Exception {
    try (BridgeMetrics registry = new BridgeMetrics().withJvmMetrics();
        AdminServer server = AdminHttp.start(new TestBridgeStatus(), registry)) {
      Map<String, String> samples = parse(AdminHttp.get(server, "/metrics").body());

      double heapUsed = samples.entrySet().stream()
          .filter(sample -> sample.getKey().startsWith("jvm_memory_used_bytes{area=heap,"))
          .mapToDouble(sample -> Double.parseDouble(sample.getValue())).sum();
      assertTrue(heapUsed > 0, "heap used " + heapUsed);
      for (String family : List.of("jvm_memory_max_bytes", "jvm_threads_live_threads", "jvm_threads_states_threads",
          "jvm_gc_memory_allocated_bytes_total", "jvm_classes_loaded_classes", "process_cpu_usage",
          "system_cpu_count", "process_uptime_seconds")) {
        assertTrue(samples.keySet().stream().anyMatch(key -> key.equals(family) || key.startsWith(family + "{")),
            family + " in " + samples.keySet());
      }
    }
  }

  /** A sample's value as a number; fails when the sample is missing. */
  static double value(Map<String, String> samples, String key) {
    String value = samples.get(key);
    if (value == null) {
      fail("no sample " + key + " in " + samples.keySet());
    }
    return Double.parseDouble(value);
  }

  /**
   * Checks every line against the format's grammar, that each family is declared by one HELP and one TYPE
   * before its samples and that its samples are not interleaved with another family's; returns the samples
   * as {@code name{label=unescaped value,...}} to value.
   */
  static Map<String, String> parse(String text) {
    assertTrue(text.endsWith("\n"), "the last line ends with a line feed");
    Map<String, String> samples = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    Set<String> helped = new HashSet<>();
    Set<String> finished = new HashSet<>();
    String current = null;
    for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
      Matcher help = HELP.matcher(line);
      Matcher type = TYPE.matcher(line);
      Matcher sample = SAMPLE.matcher(line);
      if (help.matches()) {
        assertTrue(helped.add(help.group(1)), "one HELP for " + help.group(1));
      } else if (type.matches()) {
        String family = type.group(1);
        assertFalse(types.containsKey(family), "one TYPE for " + family);
        assertTrue(helped.contains(family), "HELP before TYPE for " + family);
        types.put(family, type.group(2));
        if (current != null) {
          finished.add(current);
        }
        current = family;
      } else if (sample.matches()) {
        String name = sample.group(1);
        String family = familyOf(name, types);
        assertEquals(current, family, "sample " + line + " belongs to the family declared just before it");
        assertFalse(finished.contains(family), "samples of " + family + " are together");
        samples.put(name + labels(sample.group(2)), sample.group(sample.groupCount()));
      } else {
        fail("not a line of the exposition format: [" + line + "]");
      }
    }
    return samples;
  }

  private static String familyOf(String sampleName, Map<String, String> types) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      String base = sampleName.endsWith(suffix) ? sampleName.substring(0, sampleName.length() - suffix.length()) : null;
      String type = base == null ? null : types.get(base);
      if ("histogram".equals(type) || ("summary".equals(type) && !"_bucket".equals(suffix))) {
        return base;
      }
    }
    return sampleName;
  }

  private static String labels(String braces) {
    if (braces == null) {
      return "";
    }
    List<String> pairs = new ArrayList<>();
    Matcher label = LABEL_PAIR.matcher(braces);
    while (label.find()) {
      pairs.add(label.group(1) + "=" + unescape(label.group(2)));
    }
    return "{" + String.join(",", pairs) + "}";
  }

  private static String unescape(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        char next = value.charAt(++i);
        out.append(next == 'n' ? '\n' : next);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
