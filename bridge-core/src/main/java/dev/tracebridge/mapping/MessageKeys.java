package dev.tracebridge.mapping;

import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;

/** Where a message's Kafka key lives: the record key, or after a NATS hop the {@code bridge-kafka-key} header. */
public final class MessageKeys {

  private MessageKeys() {
  }

  /** The key bytes, or null when the message has none. */
  public static byte[] keyOf(BridgeMessage message) {
    if (message.key() != null) {
      return message.key();
    }
    return message.headers().first(ProvenanceHeaders.KAFKA_KEY).map(Header::value).orElse(null);
  }
}
