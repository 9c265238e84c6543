package dev.tracebridge.route;

import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.config.SourceConfig;

/** Short, secret-free descriptions of endpoints for logs, {@code /routes} and {@code bridge validate}. */
public final class RouteDescriptions {

  private RouteDescriptions() {
  }

  public static String source(SourceConfig from) {
    if (from instanceof SourceConfig.Kafka k) {
      return "kafka:" + k.displayName() + " (group " + k.groupId() + ")";
    }
    if (from instanceof SourceConfig.Nats n) {
      return "nats:" + n.subject() + n.queueGroup().map(q -> " (queue " + q + ")").orElse("");
    }
    SourceConfig.JetStream j = (SourceConfig.JetStream) from;
    return "jetstream:" + j.stream() + j.subject().map(s -> "/" + s).orElse("") + " (durable " + j.durable() + ")";
  }

  public static String sink(SinkConfig to) {
    if (to instanceof SinkConfig.Kafka k) {
      return "kafka:" + k.topic().text() + k.key().map(key -> " (key " + key.text() + ")").orElse("");
    }
    return (to instanceof SinkConfig.Nats ? "nats:" : "jetstream:") + to.destination().text();
  }
}
