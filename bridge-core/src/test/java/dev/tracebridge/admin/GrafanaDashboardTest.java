package dev.tracebridge.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.route.RouteState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in {@code conf/grafana} is valid JSON, and every metric its queries name is one
 * that {@code /metrics} renders: a renamed meter would otherwise leave an empty panel nobody notices.
 */
class GrafanaDashboardTest {

  /** A metric name in PromQL: the bridge's own and Micrometer's JVM and process families. */
  private static final Pattern METRIC = Pattern.compile("\\b(?:bridge|jvm|process|system)_[a-zA-Z0-9_]+");

  @Test
  void everyQueryUsesAMetricTheBridgeExports() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(dashboardFile().toFile());
    assertFalse(dashboard.path("title").asText().isEmpty(), "a title");
    Set<String> queried = new TreeSet<>();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique: " + panel.path("title"));
      assertTrue(panel.path("targets").size() > 0, "panel " + panel.path("title") + " has a query");
      for (JsonNode target : panel.path("targets")) {
        queried.addAll(metricNames(target.path("expr").asText()));
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      queried.addAll(metricNames(variable.path("definition").asText()));
    }
    assertTrue(queried.containsAll(List.of("bridge_messages_consumed_total", "bridge_relay_duration_seconds_bucket",
        "bridge_source_lag", "bridge_in_flight_messages", "bridge_messages_dead_lettered_total",
        "bridge_messages_retried_total", "bridge_spans_dropped_total", "jvm_memory_used_bytes")), queried.toString());

    Set<String> exported = exportedNames();
    Set<String> missing = new TreeSet<>(queried);
    missing.removeAll(exported);
    assertEquals(Set.of(), missing, "queried but not exported; exported: " + exported);
  }

  /** The sample names of a bridge with a route that relayed, lags, and a JVM that collected once. */
  private static Set<String> exportedNames() throws Exception {
    try (BridgeMetrics metrics = new BridgeMetrics().withJvmMetrics()) {
      TestRoute route = new TestRoute(metrics.registry(), "orders", "kafka:orders", "nats:orders")
          .set(RouteState.RUNNING, null)
          .lag(Map.of("orders-0", 3L));
      route.metrics().consumed();
      route.metrics().produced(1_000_000);
      try (AdminServer server = AdminHttp.start(new TestBridgeStatus(route), metrics)) {
        // jvm_gc_pause_seconds exists once a collection was seen
        System.gc();
        Set<String> names = new HashSet<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          names.clear();
          for (String sample : MetricsEndpointTest.parse(AdminHttp.get(server, "/metrics").body()).keySet()) {
            int brace = sample.indexOf('{');
            names.add(brace < 0 ? sample : sample.substring(0, brace));
          }
          return names.contains("jvm_gc_pause_seconds_sum");
        });
        return names;
      }
    }
  }

  private static Set<String> metricNames(String expression) {
    Set<String> names = new HashSet<>();
    Matcher matcher = METRIC.matcher(expression);
    while (matcher.find()) {
      names.add(matcher.group());
    }
    return names;
  }

  private static Path dashboardFile() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("conf/grafana"))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no conf/grafana above " + Path.of("").toAbsolutePath());
    return dir.resolve("conf/grafana/bridge-dashboard.json");
  }
}
