package dev.tracebridge.message;

import java.util.Objects;

/**
 * A message ready for a sink: the destination (topic or subject, templates already filled), key and
 * payload (null payload means a Kafka tombstone), headers in the neutral model, and the id a JetStream
 * publish sends as {@code Nats-Msg-Id}.
 */
public record OutboundMessage(String destination, byte[] key, byte[] payload, MessageHeaders headers, String messageId) {

  public OutboundMessage {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(headers, "headers");
  }

  public OutboundMessage withHeaders(MessageHeaders newHeaders) {
    return new OutboundMessage(destination, key, payload, newHeaders, messageId);
  }

  public int payloadSize() {
    return payload == null ? 0 : payload.length;
  }
}
