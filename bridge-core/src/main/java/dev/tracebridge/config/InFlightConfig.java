package dev.tracebridge.config;

/**
 * {@code in-flight}: how many messages (and bytes) a route may have sent but not yet confirmed. The
 * source blocks when either limit is reached, which is the bridge's backpressure.
 */
public record InFlightConfig(int maxMessages, long maxBytes) {
  public static final InFlightConfig DEFAULT = new InFlightConfig(10_000, 64L * 1024 * 1024);
}
