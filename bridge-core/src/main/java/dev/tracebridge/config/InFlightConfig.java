package dev.tracebridge.config;

/**
 * {@code in-flight}: how many messages (and bytes) a route may have sent but not yet confirmed. The
 * source blocks when either limit is reached, which is the bridge's backpressure.
 */
public record InFlightConfig(int maxMessages, long maxBytes) {
  /**
   * 4,000 messages: enough to keep a broker round trip of tens of milliseconds busy at tens of thousands of
   * messages a second, and small enough that the messages held stay a few MiB. The window is full whenever a
   * backlog drains, and every young collection copies what it holds: with 10,000 the Serial collector spent
   * about 10 µs a message copying it (issue 7, round 3, in the README).
   */
  public static final InFlightConfig DEFAULT = new InFlightConfig(4_000, 64L * 1024 * 1024);
}
