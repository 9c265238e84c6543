package dev.tracebridge.mapping;

import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * Turns a received message into one for a destination: fills the templates, carries the Kafka key and
 * tombstone across NATS, replaces the previous hop's provenance headers with this hop's, and keeps
 * NATS's reserved {@code Nats-} headers out of NATS. Trace headers are the tracer's business, not this
 * class's. Stateless apart from its configuration; one per route.
 */
public final class MessageMapper {

  static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final String NATS_MSG_ID = "Nats-Msg-Id";

  private final String route;
  private final boolean provenance;

  public MessageMapper(String route, boolean provenanceHeaders) {
    this.route = route;
    this.provenance = provenanceHeaders;
  }

  /** The message for the given destination (the route's {@code to} or its dead letter). */
  public OutboundMessage map(BridgeMessage in, SinkConfig sink) throws MappingException {
    byte[] key = MessageKeys.keyOf(in);
    boolean tombstone = isTombstone(in);
    MessageHeaders.Builder headers = in.headers().toBuilder();
    headers.removeIf(h -> ProvenanceHeaders.isProvenance(h.name()));
    if (sink instanceof SinkConfig.Kafka kafka) {
      addProvenance(headers, in, key, tombstone, false);
      String topic = Destinations.kafkaTopic(render(kafka.topic(), in));
      byte[] recordKey = kafka.key().isPresent()
          ? render(kafka.key().get(), in).getBytes(StandardCharsets.UTF_8)
          : key;
      return new OutboundMessage(topic, recordKey, tombstone ? null : in.payload(), headers.build(), null);
    }
    addProvenance(headers, in, key, tombstone, true);
    String messageId = takeNatsReservedHeaders(headers);
    if (sink instanceof SinkConfig.JetStream && messageId == null) {
      messageId = in.position().deduplicationId();
    }
    String subject = Destinations.natsSubject(render(sink.destination(), in));
    byte[] payload = in.payload() == null ? new byte[0] : in.payload();
    return new OutboundMessage(subject, null, payload, headers.build(), messageId);
  }

  /**
   * The message for the dead letter: the original payload and every original header, plus the
   * {@code bridge-dlq-*} headers that say why and where from.
   */
  public OutboundMessage deadLetter(BridgeMessage in, SinkConfig deadLetter, Throwable reason, int attempts)
      throws MappingException {
    MessageHeaders headers = in.headers().toBuilder()
        .set("bridge-dlq-reason", String.valueOf(reason.getMessage()))
        .set("bridge-dlq-error", reason.getClass().getName())
        .set("bridge-dlq-route", route)
        .set("bridge-dlq-source", in.position().uri())
        .set("bridge-dlq-attempts", Integer.toString(attempts))
        .set("bridge-dlq-timestamp", Instant.now().toString())
        .build();
    return map(new BridgeMessage(in.payload(), in.key(), headers, in.position()), deadLetter);
  }

  private String render(Template template, BridgeMessage in) throws MappingException {
    try {
      return template.render(in, route);
    } catch (TemplateException e) {
      throw new MappingException(e.getMessage());
    }
  }

  /** A Kafka null value, or after a NATS hop an empty payload marked {@code bridge-kafka-tombstone: true}. */
  private static boolean isTombstone(BridgeMessage in) {
    if (in.payload() == null) {
      return true;
    }
    return in.payload().length == 0
        && in.headers().firstString(ProvenanceHeaders.KAFKA_TOMBSTONE).map("true"::equals).orElse(false);
  }

  /**
   * Adds this hop's provenance. The key and the tombstone mark carry data NATS has no other place for,
   * so toward NATS they are written even when provenance headers are turned off.
   */
  private void addProvenance(MessageHeaders.Builder h, BridgeMessage in, byte[] key, boolean tombstone, boolean toNats) {
    SourcePosition pos = in.position();
    if (provenance) {
      if (pos instanceof SourcePosition.Kafka k) {
        h.add(ProvenanceHeaders.KAFKA_TOPIC, k.topic());
        h.add(ProvenanceHeaders.KAFKA_PARTITION, Integer.toString(k.partition()));
        h.add(ProvenanceHeaders.KAFKA_OFFSET, Long.toString(k.offset()));
        h.add(ProvenanceHeaders.KAFKA_TIMESTAMP, Long.toString(k.timestamp()));
      } else if (pos instanceof SourcePosition.Nats n) {
        h.add(ProvenanceHeaders.NATS_SUBJECT, n.subject());
      } else if (pos instanceof SourcePosition.JetStream j) {
        h.add(ProvenanceHeaders.NATS_SUBJECT, j.subject());
        h.add(ProvenanceHeaders.NATS_STREAM, j.stream());
        h.add(ProvenanceHeaders.NATS_SEQUENCE, Long.toString(j.streamSequence()));
      }
    }
    boolean fromKafka = pos instanceof SourcePosition.Kafka;
    if (key != null && (toNats || (provenance && fromKafka))) {
      h.add(new Header(ProvenanceHeaders.KAFKA_KEY, key));
    }
    if (tombstone && (toNats || (provenance && fromKafka))) {
      h.add(new Header(ProvenanceHeaders.KAFKA_TOMBSTONE, TRUE));
    }
  }

  /**
   * Removes headers in NATS's reserved {@code Nats-} namespace, which the server would act on, and
   * returns the value of {@code Nats-Msg-Id} if there was one: it replaces the bridge's own
   * deduplication id, as the upstream publisher meant.
   */
  private static String takeNatsReservedHeaders(MessageHeaders.Builder headers) {
    String[] messageId = new String[1];
    headers.removeIf(h -> {
      if (!h.name().toLowerCase(Locale.ROOT).startsWith("nats-")) {
        return false;
      }
      if (h.name().equalsIgnoreCase(NATS_MSG_ID) && h.value() != null && messageId[0] == null) {
        messageId[0] = h.valueAsString();
      }
      return true;
    });
    return messageId[0];
  }
}
