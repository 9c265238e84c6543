package dev.tracebridge.route;

/**
 * The way back to the source for one message. Exactly one of the two methods is called, once, after
 * the destination (or the dead letter) confirmed the message or gave up on it. Implementations must be
 * thread-safe: sinks confirm on their own I/O threads.
 */
public interface Acknowledgement {

  /** The destination confirmed: the source may commit (Kafka) or ack (JetStream) this message. */
  void ack();

  /**
   * The bridge gives up on this message without acknowledging it, so that it is delivered again
   * (after a restart for Kafka, after AckWait or a nak for JetStream). Used while draining and when a
   * route stops on an error.
   */
  void abandon();
}
