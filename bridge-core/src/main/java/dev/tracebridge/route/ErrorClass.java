package dev.tracebridge.route;

/**
 * What a failed send means for the message, decided once per endpoint kind by {@link Sink#classify}. The
 * route acts on the class alone, so that the engine knows no client's exceptions.
 */
public enum ErrorClass {
  /**
   * The destination cannot take anything right now (unreachable, timeout, leader election, not enough
   * replicas, JetStream no responders, a client queue full). Retried with backoff for as long as it
   * lasts; never counted against the message, never dead-lettered, never stopping the route. The route
   * pauses its source meanwhile and reports itself not ready.
   */
  TRANSIENT,
  /**
   * This message can never be delivered there (too large, invalid destination name, record rejected).
   * Straight to the dead letter, without retries; without a dead letter the route stops.
   */
  MESSAGE,
  /** Nothing can be delivered until an operator acts (authorization, misconfiguration): the route stops. */
  FATAL,
  /**
   * The endpoint cannot tell. Retried in place up to {@code retry.max-attempts}, then treated as
   * {@link #MESSAGE}.
   */
  UNKNOWN
}
