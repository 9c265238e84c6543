package dev.tracebridge.route;

import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.config.SourceConfig;

/** Short, secret-free descriptions of endpoints for logs, {@code /routes} and {@code bridge validate}. */
public final class RouteDescriptions {

  private RouteDescriptions() {
  }

  public static String source(SourceConfig from) {
    return from.match(
        kafka -> "kafka:" + kafka.displayName() + " (group " + kafka.groupId() + ")",
        nats -> "nats:" + nats.subject() + nats.queueGroup().map(q -> " (queue " + q + ")").orElse(""),
        jetStream -> "jetstream:" + jetStream.stream() + jetStream.subject().map(s -> "/" + s).orElse("")
            + " (durable " + jetStream.durable() + ")");
  }

  public static String sink(SinkConfig to) {
    return to.match(
        kafka -> "kafka:" + kafka.topic().text() + kafka.key().map(key -> " (key " + key.text() + ")").orElse(""),
        nats -> "nats:" + nats.subject().text()
            + nats.requestTimeout().map(t -> " (request, timeout " + t.toMillis() + " ms)").orElse(""),
        jetStream -> "jetstream:" + jetStream.subject().text());
  }
}
