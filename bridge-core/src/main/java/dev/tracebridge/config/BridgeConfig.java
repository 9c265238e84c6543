package dev.tracebridge.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration file, as read and checked by {@code ConfigLoader}. Immutable.
 *
 * <p>{@code otelProperties} are OpenTelemetry SDK properties from {@code bridge.otel { }} with their full
 * names ({@code otel.exporter.otlp.endpoint}); they are defaults, {@code OTEL_*} variables and system
 * properties win.
 */
public record BridgeConfig(
    String serviceName,
    AdminConfig admin,
    TracingConfig tracing,
    KafkaClusterConfig kafka,
    NatsClusterConfig nats,
    Map<String, String> otelProperties,
    List<RouteConfig> routes) {

  public BridgeConfig {
    Objects.requireNonNull(serviceName);
    Objects.requireNonNull(admin);
    Objects.requireNonNull(tracing);
    Objects.requireNonNull(kafka);
    Objects.requireNonNull(nats);
    otelProperties = Map.copyOf(otelProperties);
    routes = List.copyOf(routes);
  }
}
