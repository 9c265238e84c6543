package dev.tracebridge.route;

import dev.tracebridge.message.BridgeMessage;

/** A message handed from a source to its route, together with the way to acknowledge it. */
public record ReceivedMessage(BridgeMessage message, Acknowledgement acknowledgement, long receivedNanos) {

  public static ReceivedMessage of(BridgeMessage message, Acknowledgement acknowledgement) {
    return new ReceivedMessage(message, acknowledgement, System.nanoTime());
  }
}
