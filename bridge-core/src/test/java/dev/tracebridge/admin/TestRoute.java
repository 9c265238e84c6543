package dev.tracebridge.admin;

import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.route.RouteView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Optional;

/** A route whose state the test sets, with real metrics. */
final class TestRoute implements RouteView {

  private final String name;
  private final String source;
  private final String destination;
  private final RouteMetrics metrics;
  private volatile RouteState state = RouteState.STARTING;
  private volatile String lastError;
  private volatile Map<String, Long> lag = Map.of();

  /** With meters in a registry of its own, for tests that do not read /metrics. */
  TestRoute(String name, String source, String destination) {
    this(new SimpleMeterRegistry(), name, source, destination);
  }

  TestRoute(MeterRegistry registry, String name, String source, String destination) {
    this.name = name;
    this.source = source;
    this.destination = destination;
    this.metrics = new RouteMetrics(name, registry);
  }

  TestRoute lag(Map<String, Long> lag) {
    this.lag = Map.copyOf(lag);
    return this;
  }

  @Override
  public Map<String, Long> sourceLag() {
    return lag;
  }

  /** A route with a source and a sink connection that never reconnected. */
  @Override
  public Map<String, Long> reconnects() {
    return Map.of("source", 0L, "sink", 0L);
  }

  TestRoute set(RouteState state, String lastError) {
    this.state = state;
    this.lastError = lastError;
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public String destination() {
    return destination;
  }

  @Override
  public RouteState state() {
    return state;
  }

  @Override
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }

  @Override
  public RouteMetrics metrics() {
    return metrics;
  }
}
