package dev.tracebridge.message;

import java.util.Objects;

/**
 * A message as a source received it, in the neutral model: payload bytes (null only for a Kafka
 * tombstone), key bytes (Kafka only; null when absent), headers in order, and the source position.
 */
public record BridgeMessage(byte[] payload, byte[] key, MessageHeaders headers, SourcePosition position) {

  public BridgeMessage {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(position, "position");
  }

  public int payloadSize() {
    return payload == null ? 0 : payload.length;
  }

  /** Bytes this message holds while in flight, for the route's byte window. */
  public int approximateSize() {
    return payloadSize() + (key == null ? 0 : key.length) + headers.byteSize();
  }
}
