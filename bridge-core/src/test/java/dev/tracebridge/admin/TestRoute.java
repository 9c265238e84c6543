package dev.tracebridge.admin;

import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.route.RouteView;
import java.util.Optional;

/** A route whose state the test sets, with real metrics. */
final class TestRoute implements RouteView {

  private final String name;
  private final String source;
  private final String destination;
  private final RouteMetrics metrics = new RouteMetrics();
  private volatile RouteState state = RouteState.STARTING;
  private volatile String lastError;

  TestRoute(String name, String source, String destination) {
    this.name = name;
    this.source = source;
    this.destination = destination;
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
