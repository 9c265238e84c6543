package dev.tracebridge.route;

/**
 * The way back to the source for one message. Exactly one of {@link #ack} and {@link #abandon} is called,
 * once, after the destination (or the dead letter) confirmed the message or the route gave up on it.
 * The route calls them from its own thread; implementations only record the outcome (a commit
 * tracker, a queued JetStream ack) and never block.
 */
public interface Acknowledgement {

  /** The destination confirmed: the source may commit (Kafka) or ack (JetStream) this message. */
  void ack();

  /**
   * The bridge gives up on this message without acknowledging it, so that it is delivered again
   * (after a restart or rebalance for Kafka, at once by a nak for JetStream). Used while draining, when
   * a route stops on an error, and for revoked messages.
   */
  void abandon();

  /**
   * True once the source no longer owns this message (its Kafka partition was revoked and given to
   * another member): the route must not send or retry it any more and settles it with {@link #abandon}.
   */
  default boolean isRevoked() {
    return false;
  }
}
