package dev.tracebridge.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tracebridge.config.AdminConfig;
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

  private static final AdminConfig ANY_PORT = new AdminConfig(true, "127.0.0.1", 0);

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
    TestRoute orders = new TestRoute("orders", "kafka:orders", "nats:orders").set(RouteState.RUNNING, null);
    RouteMetrics metrics = orders.metrics();
    for (int i = 0; i < 4; i++) {
      metrics.consumed();
    }
    metrics.produced(300_000);        // 0.0003 s: first bucket
    metrics.produced(3_000_000);      // 0.003 s: le=0.005
    metrics.produced(40_000_000_000L); // 40 s: only +Inf
    metrics.retried();
    metrics.deadLettered();
    TestRoute events = new TestRoute("events", "nats:events.>", "kafka:events")
        .set(RouteState.DISCONNECTED, "connection lost");
    TestBridgeStatus status = new TestBridgeStatus(List.of(orders, events), 7, 1234);

    try (AdminServer server = AdminServer.start(ANY_PORT, status)) {
      HttpResponse<String> response = AdminHttp.get(server, "/metrics");

      assertEquals(200, response.statusCode());
      assertEquals(Optional.of("text/plain; version=0.0.4; charset=utf-8"),
          response.headers().firstValue("content-type"));
      Map<String, String> samples = parse(response.body());

      assertEquals("4", samples.get("bridge_messages_consumed_total{route=orders}"));
      assertEquals("3", samples.get("bridge_messages_produced_total{route=orders}"));
      assertEquals("1", samples.get("bridge_messages_dead_lettered_total{route=orders}"));
      assertEquals("1", samples.get("bridge_messages_retried_total{route=orders}"));
      assertEquals("0", samples.get("bridge_messages_failed_total{route=orders}"));
      assertEquals("0", samples.get("bridge_in_flight_messages{route=orders}"));
      assertEquals("0", samples.get("bridge_in_flight_bytes{route=orders}"));
      assertEquals("0", samples.get("bridge_source_dropped_total{route=orders}"));
      assertEquals("0", samples.get("bridge_messages_consumed_total{route=events}"));
      assertEquals("1", samples.get("bridge_route_up{route=orders}"));
      assertEquals("0", samples.get("bridge_route_up{route=events}"));
      assertEquals("7", samples.get("bridge_spans_dropped_total"));
      assertEquals("1234", samples.get("bridge_spans_exported_total"));

      // Written as Prometheus' own clients write them, which is what dashboards match on.
      List<String> bounds = List.of("0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
          "0.5", "1", "2.5", "5", "10", "30", "+Inf");
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
          case "0.0005", "0.001", "0.0025" -> 1;
          case "+Inf" -> 3;
          default -> 2;
        };
        assertEquals(expected, cumulative, "le=" + le);
        assertTrue(cumulative >= previous, "buckets are cumulative");
        previous = cumulative;
      }
      assertEquals("3", samples.get("bridge_relay_duration_seconds_count{route=orders}"));
      assertEquals(40.0033, Double.parseDouble(samples.get("bridge_relay_duration_seconds_sum{route=orders}")), 1e-9);
      assertEquals("0", samples.get("bridge_relay_duration_seconds_bucket{route=events,le=+Inf}"));
      assertEquals("0", samples.get("bridge_relay_duration_seconds_count{route=events}"));
    }
  }

  @Test
  void escapesTheRouteLabelSoItReadsBackAsTheRouteName() throws Exception {
    String name = "we\"ird\\route\nname";
    TestRoute route = new TestRoute(name, "nats:a", "kafka:b").set(RouteState.RUNNING, null);
    route.metrics().consumed();

    try (AdminServer server = AdminServer.start(ANY_PORT, new TestBridgeStatus(route))) {
      String body = AdminHttp.get(server, "/metrics").body();

      assertTrue(body.contains("bridge_messages_consumed_total{route=\"we\\\"ird\\\\route\\nname\"} 1\n"), body);
      assertEquals("1", parse(body).get("bridge_messages_consumed_total{route=" + name + "}"));
    }
  }

  /**
   * Checks every line against the format's grammar, that each family is declared by one HELP and one TYPE
   * before its samples and that its samples are not interleaved with another family's; returns the samples
   * as {@code name{label=unescaped value,...}} to value.
   */
  private static Map<String, String> parse(String text) {
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
      if (base != null && "histogram".equals(types.get(base))) {
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
