package dev.tracebridge.route;

import java.util.Map;

/**
 * Consumes from one broker and pushes each message to a {@link MessageHandler}. A source connects in
 * the background and keeps retrying while its broker is unreachable; it never throws for that.
 *
 * <p>Lifecycle: {@link #start} once, then {@link #stop} (stop taking new messages; acknowledgements of
 * messages in flight are still accepted), then {@link #close} (commit what was acknowledged, release
 * the connection).
 */
public interface Source extends AutoCloseable {

  void start(MessageHandler handler);

  /** True while the source is connected to its broker and consuming. */
  boolean isConnected();

  /**
   * Messages the source lost before they reached the route, by nature of its broker (a core NATS
   * subscription whose client buffer overflowed: a slow consumer). Zero for sources that lose nothing.
   */
  default long droppedMessages() {
    return 0;
  }

  /**
   * How far the consumer is behind, by partition: for Kafka the records between the committed position
   * and the log end of each assigned partition (key {@code topic-partition}), for JetStream the consumer's
   * pending count (key {@code ""}). Read by {@code /metrics} from the admin thread, so it must be cheap
   * and never wait on a broker: sources publish it from their own threads. Empty when unknown.
   */
  default Map<String, Long> lag() {
    return Map.of();
  }

  /**
   * Times the source's connection was re-established after it was lost (NATS), or connections its
   * client opened (Kafka's {@code connection-creation-total}); zero before the first connect.
   */
  default long reconnects() {
    return 0;
  }

  /** Stops consuming new messages; returns without waiting for messages in flight. */
  void stop();

  /** Commits what was acknowledged and releases the broker connection. */
  @Override
  void close();

  /**
   * Set by the route when it fails: called with the error that made the source stop by itself
   * (for example a Kafka authorization error), so that the route reports it.
   */
  default void onFatalError(java.util.function.Consumer<Throwable> listener) {
  }
}
