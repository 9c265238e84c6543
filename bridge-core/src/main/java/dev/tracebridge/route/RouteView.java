package dev.tracebridge.route;

import dev.tracebridge.metrics.RouteMetrics;
import java.util.Map;
import java.util.Optional;

/** A read-only look at one running route, for the admin endpoints. Holds no secret. */
public interface RouteView {

  String name();

  /** The source as configured, for example {@code kafka:orders} or {@code jetstream:EVENTS/events.>}. */
  String source();

  /** The destination as configured, for example {@code nats:orders.{key}}. */
  String destination();

  RouteState state();

  /** The last error the route met, readable, without secrets; empty when none. */
  Optional<String> lastError();

  RouteMetrics metrics();

  /** The version of the bridge's configuration this route was started from (see {@link BridgeStatus#configVersion}). */
  default int configVersion() {
    return 1;
  }

  /** Messages taken from the source and not yet settled. */
  default long inFlightMessages() {
    return 0;
  }

  /** Bytes of the messages in flight, as the route's byte window counts them. */
  default long inFlightBytes() {
    return 0;
  }

  /** The source's lag by partition; see {@link Source#lag}. */
  default Map<String, Long> sourceLag() {
    return Map.of();
  }

  /**
   * Reconnects by connection ({@code source}, {@code sink}, {@code dead-letter}); see {@link Source#reconnects}.
   * The keys are fixed for the route's life.
   */
  default Map<String, Long> reconnects() {
    return Map.of();
  }

  /** Messages the source lost before the route saw them (a core NATS slow consumer); see {@link Source#droppedMessages}. */
  default long sourceDropped() {
    return 0;
  }
}
