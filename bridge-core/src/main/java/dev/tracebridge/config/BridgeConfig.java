package dev.tracebridge.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration file, as read and checked by {@code ConfigLoader}. Immutable.
 *
 * <p>{@code otelProperties} are OpenTelemetry SDK properties from {@code bridge.otel { }} with their full
 * names ({@code otel.exporter.otlp.endpoint}); they are defaults, {@code OTEL_*} variables and system
 * properties win.
 *
 * <p>{@code shutdownTimeout} ({@code bridge.shutdown-timeout}) is the one deadline by which every route
 * has drained after SIGTERM: routes drain at once, not one after another, so that the whole stop fits in
 * Kubernetes' 30 s grace period.
 *
 * <p>{@code log} ({@code bridge.log}) is the file's word on logging; the command line and the
 * environment win over it ({@link LogConfig#resolve}).
 */
public record BridgeConfig(
    String serviceName,
    Duration shutdownTimeout,
    AdminConfig admin,
    TracingConfig tracing,
    KafkaClusterConfig kafka,
    NatsClusterConfig nats,
    Map<String, String> otelProperties,
    List<RouteConfig> routes,
    LogConfig log,
    TracingConfig.WhenQueueFull spansWhenQueueFull) {

  /** 25 s: below Kubernetes' default grace period of 30 s, which ends in SIGKILL. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(25);

  public BridgeConfig {
    Objects.requireNonNull(serviceName);
    if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
      throw new IllegalArgumentException("shutdownTimeout must be positive: " + shutdownTimeout);
    }
    Objects.requireNonNull(admin);
    Objects.requireNonNull(tracing);
    Objects.requireNonNull(kafka);
    Objects.requireNonNull(nats);
    otelProperties = Map.copyOf(otelProperties);
    routes = List.copyOf(routes);
    Objects.requireNonNull(log);
    Objects.requireNonNull(spansWhenQueueFull);
  }

  /** A configuration whose spans are dropped (and counted) when the export queue is full, the default. */
  public BridgeConfig(String serviceName, Duration shutdownTimeout, AdminConfig admin, TracingConfig tracing,
      KafkaClusterConfig kafka, NatsClusterConfig nats, Map<String, String> otelProperties, List<RouteConfig> routes,
      LogConfig log) {
    this(serviceName, shutdownTimeout, admin, tracing, kafka, nats, otelProperties, routes, log,
        TracingConfig.WhenQueueFull.DROP);
  }

  /** A configuration that leaves logging to the command line and the environment. */
  public BridgeConfig(String serviceName, Duration shutdownTimeout, AdminConfig admin, TracingConfig tracing,
      KafkaClusterConfig kafka, NatsClusterConfig nats, Map<String, String> otelProperties, List<RouteConfig> routes) {
    this(serviceName, shutdownTimeout, admin, tracing, kafka, nats, otelProperties, routes, LogConfig.DEFAULT);
  }

  /** A configuration with the default shutdown timeout, for code (tests, tools) that builds one without a file. */
  public BridgeConfig(String serviceName, AdminConfig admin, TracingConfig tracing, KafkaClusterConfig kafka,
      NatsClusterConfig nats, Map<String, String> otelProperties, List<RouteConfig> routes) {
    this(serviceName, DEFAULT_SHUTDOWN_TIMEOUT, admin, tracing, kafka, nats, otelProperties, routes);
  }
}
