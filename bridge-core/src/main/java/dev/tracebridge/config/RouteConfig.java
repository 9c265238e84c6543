package dev.tracebridge.config;

import java.util.Objects;
import java.util.Optional;

/** One entry of {@code bridge.routes}; its name is its key in the file. */
public record RouteConfig(
    String name,
    SourceConfig from,
    SinkConfig to,
    RetryConfig retry,
    Optional<SinkConfig> deadLetter,
    boolean provenanceHeaders,
    TracingConfig tracing,
    InFlightConfig inFlight,
    Optional<ReplyConfig> reply) {

  /** A route without request-reply. */
  public RouteConfig(String name, SourceConfig from, SinkConfig to, RetryConfig retry, Optional<SinkConfig> deadLetter,
      boolean provenanceHeaders, TracingConfig tracing, InFlightConfig inFlight) {
    this(name, from, to, retry, deadLetter, provenanceHeaders, tracing, inFlight, Optional.empty());
  }

  public RouteConfig {
    Objects.requireNonNull(name);
    Objects.requireNonNull(from);
    Objects.requireNonNull(to);
    Objects.requireNonNull(retry);
    Objects.requireNonNull(deadLetter);
    Objects.requireNonNull(tracing);
    Objects.requireNonNull(inFlight);
    Objects.requireNonNull(reply);
  }
}
