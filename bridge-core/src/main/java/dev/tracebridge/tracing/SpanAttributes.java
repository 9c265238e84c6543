package dev.tracebridge.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Attribute keys and values the bridge's spans share that semconv has no constant for. */
final class SpanAttributes {

  /** The route that relayed the message, on both spans. */
  static final AttributeKey<String> BRIDGE_ROUTE = AttributeKey.stringKey("bridge.route");
  /** Set (true) on a JetStream send span when the stream reported the publish as a duplicate it dropped. */
  static final AttributeKey<Boolean> BRIDGE_DUPLICATE = AttributeKey.booleanKey("bridge.jetstream.duplicate");

  static final String SYSTEM_KAFKA = MessagingIncubatingAttributes.MessagingSystemIncubatingValues.KAFKA;
  /** Not a registered value; the official Java NATS instrumentation uses it too. */
  static final String SYSTEM_NATS = "nats";

  private SpanAttributes() {
  }

  /**
   * The key as {@code messaging.kafka.message.key} shows it: only keys that are text (valid UTF-8), as the
   * conventions ask; binary keys are left out rather than shown mangled.
   */
  static String keyAsText(byte[] key) {
    if (key == null) {
      return null;
    }
    boolean ascii = true;
    for (byte b : key) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(key, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(key))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

}
