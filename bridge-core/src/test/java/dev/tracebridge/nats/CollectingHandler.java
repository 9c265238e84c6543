package dev.tracebridge.nats;

import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Records what a source hands over. Acks the messages {@code ackIf} accepts; the others it abandons
 * or leaves unacknowledged, as a crashed bridge would.
 */
final class CollectingHandler implements MessageHandler {

  private final List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
  private final Predicate<ReceivedMessage> ackIf;
  private final boolean abandonOthers;
  private final AtomicBoolean room = new AtomicBoolean(true);

  private CollectingHandler(Predicate<ReceivedMessage> ackIf, boolean abandonOthers) {
    this.ackIf = ackIf;
    this.abandonOthers = abandonOthers;
  }

  static CollectingHandler acking() {
    return new CollectingHandler(m -> true, false);
  }

  static CollectingHandler ackingOnly(Predicate<ReceivedMessage> ackIf) {
    return new CollectingHandler(ackIf, false);
  }

  static CollectingHandler ackingOrAbandoning(Predicate<ReceivedMessage> ackIf) {
    return new CollectingHandler(ackIf, true);
  }

  @Override
  public void onMessage(ReceivedMessage message) {
    received.add(message);
    if (ackIf.test(message)) {
      message.acknowledgement().ack();
    } else if (abandonOthers) {
      message.acknowledgement().abandon();
    }
  }

  @Override
  public boolean hasRoom() {
    return room.get();
  }

  /** What {@link #hasRoom} answers from now on. */
  CollectingHandler room(boolean hasRoom) {
    room.set(hasRoom);
    return this;
  }

  List<ReceivedMessage> received() {
    return List.copyOf(received);
  }

  List<BridgeMessage> messages() {
    return received.stream().map(ReceivedMessage::message).toList();
  }

  int size() {
    return received.size();
  }
}
