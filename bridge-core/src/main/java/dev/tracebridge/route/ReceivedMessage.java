package dev.tracebridge.route;

import dev.tracebridge.message.BridgeMessage;
import java.util.Objects;

/**
 * A message handed from a source to its route, with its lane and the way to acknowledge it.
 *
 * <p>The lane is the source's unit of order (a Kafka topic and partition, a NATS subject): the route
 * delivers the messages of one lane in the order it received them, and while one of them is retried the
 * later ones of that lane wait; other lanes go on.
 */
public record ReceivedMessage(BridgeMessage message, String lane, Acknowledgement acknowledgement, long receivedNanos) {

  public ReceivedMessage {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(lane, "lane");
    Objects.requireNonNull(acknowledgement, "acknowledgement");
  }

  public static ReceivedMessage of(BridgeMessage message, String lane, Acknowledgement acknowledgement) {
    return new ReceivedMessage(message, lane, acknowledgement, System.nanoTime());
  }
}
