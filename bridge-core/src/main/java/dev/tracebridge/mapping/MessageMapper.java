package dev.tracebridge.mapping;

import dev.tracebridge.config.NamingRules;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a received message into one for a destination: fills the templates, carries the Kafka key and
 * tombstone across NATS, replaces the previous hop's provenance headers with this hop's, and keeps
 * NATS's reserved {@code Nats-} headers out of NATS. Trace headers are the tracer's business, not this
 * class's. Stateless apart from its configuration and the last destination name it checked; one per route.
 */
public final class MessageMapper {

  static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final String NATS_MSG_ID = "Nats-Msg-Id";
  private static final String NATS_PREFIX = "nats-";

  private final String route;
  private final boolean provenance;
  /**
   * The last destination name that passed a rule, and that rule (topic and subject rules differ: {@code a..b}
   * is a topic, not a subject). A plain field holding an immutable record: a stale value costs one more check.
   */
  private Checked lastValid;

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
    return sink.match(
        kafka -> toKafka(in, kafka, headers, key, tombstone),
        nats -> toNats(in, nats.subject(), headers, key, tombstone, Optional.empty()),
        jetStream -> toNats(in, jetStream.subject(), headers, key, tombstone,
            Optional.of(in.position().deduplicationId())));
  }

  private OutboundMessage toKafka(BridgeMessage in, SinkConfig.Kafka kafka, MessageHeaders.Builder headers,
      byte[] key, boolean tombstone) throws MappingException {
    addProvenance(headers, in, key, tombstone, false);
    String topic = destination(kafka.topic(), in, NamingRules::kafkaTopic);
    byte[] recordKey = kafka.key().isPresent()
        ? render(kafka.key().get(), in).getBytes(StandardCharsets.UTF_8)
        : key;
    return new OutboundMessage(topic, recordKey, tombstone ? null : in.payload(), headers.build(), null);
  }

  /**
   * A message for core NATS or JetStream. An upstream {@code Nats-Msg-Id} is kept as the message id;
   * without one, {@code ownId} is used (JetStream's deduplication id; core NATS has none).
   */
  private OutboundMessage toNats(BridgeMessage in, Template subjectTemplate, MessageHeaders.Builder headers,
      byte[] key, boolean tombstone, Optional<String> ownId) throws MappingException {
    addProvenance(headers, in, key, tombstone, true);
    String messageId = takeNatsReservedHeaders(headers);
    if (messageId == null) {
      messageId = ownId.orElse(null);
    }
    String subject = destination(subjectTemplate, in, NamingRules::publishedSubject);
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

  /**
   * Fills a topic or subject template and checks the result with the rule {@code bridge validate} uses
   * for configured names, so that a name the broker would refuse is a message error here (dead letter,
   * no retries) instead of a failed send.
   */
  private String destination(Template template, BridgeMessage in, Function<String, Optional<String>> rule)
      throws MappingException {
    String filled = render(template, in);
    Checked last = lastValid;
    if (last != null && last.rule() == rule && last.name().equals(filled)) {
      return filled; // most routes fill in the same name message after message: checked once is enough
    }
    Optional<String> problem = rule.apply(filled);
    if (problem.isPresent()) {
      throw new MappingException(problem.get() + ", filled in from template '" + template.text() + "'");
    }
    lastValid = new Checked(rule, filled);
    return filled;
  }

  private record Checked(Function<String, Optional<String>> rule, String name) {
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
      pos.match(
          kafka -> h.add(ProvenanceHeaders.KAFKA_TOPIC, kafka.topic())
              .add(ProvenanceHeaders.KAFKA_PARTITION, Integer.toString(kafka.partition()))
              .add(ProvenanceHeaders.KAFKA_OFFSET, Long.toString(kafka.offset()))
              .add(ProvenanceHeaders.KAFKA_TIMESTAMP, Long.toString(kafka.timestamp())),
          nats -> h.add(ProvenanceHeaders.NATS_SUBJECT, nats.subject()),
          jetStream -> h.add(ProvenanceHeaders.NATS_SUBJECT, jetStream.subject())
              .add(ProvenanceHeaders.NATS_STREAM, jetStream.stream())
              .add(ProvenanceHeaders.NATS_SEQUENCE, Long.toString(jetStream.streamSequence())));
    }
    boolean fromKafka = pos.match(kafka -> true, nats -> false, jetStream -> false);
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
      if (!h.name().regionMatches(true, 0, NATS_PREFIX, 0, NATS_PREFIX.length())) {
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
