package dev.tracebridge.route;

/** Where a route is in its life; {@code /routes} shows it and {@code /readyz} is 200 only when all are RUNNING. */
public enum RouteState {
  /** Connecting to its brokers, retrying with backoff while one is unreachable. */
  STARTING,
  /** Connected and relaying. */
  RUNNING,
  /** Was running, lost a broker connection; the clients reconnect by themselves. */
  DISCONNECTED,
  /**
   * The destination (or the dead letter) refuses messages for a transient reason: unreachable, leader
   * election, no JetStream stream for the subject yet. The source is paused and the failed messages are
   * retried with backoff, in order, for as long as it lasts.
   */
  RETRYING,
  /** Stopped on a message it could not deliver and that had no dead letter; needs an operator. */
  FAILED,
  /** Draining or stopped after SIGTERM. */
  STOPPED;

  public boolean isReady() {
    return this == RUNNING;
  }
}
