package dev.tracebridge.reply;

import dev.tracebridge.mapping.ReplyAddress;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.route.Source;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The reply relay's source: the reply topic's consumer, handing the route only the answers whose
 * {@code kafka_correlationId} names a NATS requester ({@link ReplyAddress}). Any other record shares the topic
 * with the bridge's answers but is not for it (another ReplyingKafkaTemplate's answer, a record without the
 * header, an unusable subject): it is counted, acknowledged at once, never retried, never dead-lettered, and
 * never stops the route. The check reads one header on the consuming thread and never blocks it.
 */
final class OwnReplies implements Source {

  private final Source source;
  private final DroppedReplies dropped;

  OwnReplies(Source source, DroppedReplies dropped) {
    this.source = source;
    this.dropped = dropped;
  }

  @Override
  public void start(MessageHandler handler) {
    source.start(new MessageHandler() {
      @Override
      public void onMessage(ReceivedMessage received) {
        ReplyAddress.Decoded to = ReplyAddress.decode(received.message().headers());
        if (to.isOurs()) {
          handler.onMessage(received);
        } else {
          dropped.notOurs(to.dropReason(), received.message().position().uri());
          received.acknowledgement().ack();
        }
      }

      @Override
      public boolean hasRoom() {
        return handler.hasRoom();
      }
    });
  }

  @Override
  public boolean isConnected() {
    return source.isConnected();
  }

  @Override
  public long droppedMessages() {
    return source.droppedMessages();
  }

  @Override
  public Map<String, Long> lag() {
    return source.lag();
  }

  @Override
  public long reconnects() {
    return source.reconnects();
  }

  @Override
  public void stop() {
    source.stop();
  }

  @Override
  public void close() {
    source.close();
  }

  @Override
  public void onFatalError(Consumer<Throwable> listener) {
    source.onFatalError(listener);
  }
}
