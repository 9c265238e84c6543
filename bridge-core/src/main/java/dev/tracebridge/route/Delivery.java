package dev.tracebridge.route;

import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.tracing.RelaySpan;

/** One message on its way through a route: what was received, its spans, and how often it was tried. */
final class Delivery {

  final ReceivedMessage received;
  final RelaySpan span;
  final long size;
  /** Sends tried while the destination was reachable; they count toward {@code retry.max-attempts}. */
  int attempts;
  /** Sends that failed while the destination was disconnected; they only lengthen the backoff. */
  int outageRetries;

  Delivery(ReceivedMessage received, RelaySpan span) {
    this.received = received;
    this.span = span;
    this.size = received.message().approximateSize();
  }

  BridgeMessage message() {
    return received.message();
  }
}
