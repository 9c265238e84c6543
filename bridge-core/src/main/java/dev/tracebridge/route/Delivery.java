package dev.tracebridge.route;

import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Reply;
import dev.tracebridge.tracing.RelaySpan;

/**
 * One message on its way through a route: what was received, its spans, its place in its lane and how
 * often it was tried. Touched only by the route's own thread.
 */
final class Delivery {

  final ReceivedMessage received;
  final RelaySpan span;
  final long size;
  /** Arrival order within the route; a lane sends and retries its messages in this order. */
  final long sequence;
  /** Failures the destination could not explain ({@link ErrorClass#UNKNOWN}); they count toward max-attempts. */
  int unknownFailures;
  /** Transient failures of the dead-letter send; they only lengthen its backoff. */
  int deadLetterTransientFailures;
  /** Unexplained failures of the dead-letter send; they count toward max-attempts. */
  int deadLetterUnknownFailures;
  /** Counted in the route's dead-letter outages while its dead-letter send waits out a transient error. */
  boolean inDeadLetterOutage;
  /** Sends tried, to the destination and the dead letter: {@code bridge-dlq-attempts}. */
  int attempts;
  /**
   * A request route ({@code reply.to.kafka}): the NATS service's answer once it came. A retry then produces
   * this reply again instead of asking the service again.
   */
  Reply reply;

  Delivery(ReceivedMessage received, RelaySpan span, long sequence) {
    this.received = received;
    this.span = span;
    this.size = received.message().approximateSize();
    this.sequence = sequence;
  }

  BridgeMessage message() {
    return received.message();
  }

  String lane() {
    return received.lane();
  }

  boolean isRevoked() {
    return received.acknowledgement().isRevoked();
  }
}
