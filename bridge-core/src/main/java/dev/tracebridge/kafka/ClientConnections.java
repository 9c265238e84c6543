package dev.tracebridge.kafka;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Reads how many connections a Kafka client opened from its own metrics. Kafka clients have no notion of a
 * reconnect (they open and drop connections per broker as they go), so the bridge reports this count as a
 * client's reconnects: its rate is what shows a flapping network or broker.
 */
final class ClientConnections {

  private static final String CONNECTION_CREATION_TOTAL = "connection-creation-total";

  private ClientConnections() {
  }

  /** The client's {@code connection-creation-total}, summed over its network clients; 0 when absent. */
  static long created(Map<MetricName, ? extends Metric> metrics) {
    double total = 0;
    for (Map.Entry<MetricName, ? extends Metric> metric : metrics.entrySet()) {
      if (CONNECTION_CREATION_TOTAL.equals(metric.getKey().name())
          && metric.getValue().metricValue() instanceof Number value && !Double.isNaN(value.doubleValue())) {
        total += value.doubleValue();
      }
    }
    return (long) total;
  }
}
