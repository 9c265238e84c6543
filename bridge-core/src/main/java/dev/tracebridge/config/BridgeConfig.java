package dev.tracebridge.config;

import java.util.List;
import java.util.Objects;

/** The whole configuration file, as read and checked by {@link ConfigLoader}. Immutable. */
public record BridgeConfig(
    String serviceName,
    AdminConfig admin,
    TracingConfig tracing,
    KafkaClusterConfig kafka,
    NatsClusterConfig nats,
    List<RouteConfig> routes) {

  public BridgeConfig {
    Objects.requireNonNull(serviceName);
    Objects.requireNonNull(admin);
    Objects.requireNonNull(tracing);
    Objects.requireNonNull(kafka);
    Objects.requireNonNull(nats);
    routes = List.copyOf(routes);
  }
}
