package dev.tracebridge.mapping;

import dev.tracebridge.config.NamingRules;
import dev.tracebridge.config.ReplyConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.Reply;
import dev.tracebridge.message.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a received message into one for a destination: fills the templates, carries the Kafka key and
 * tombstone across NATS, replaces the previous hop's provenance headers with this hop's, and keeps
 * NATS's reserved {@code Nats-} headers out of NATS. On a route with {@code reply.from.kafka}, a NATS request
 * goes to Kafka with Spring Kafka's request-reply headers ({@link ReplyAddress}). Trace headers are the
 * tracer's business, not this class's. Stateless apart from its configuration and the last destination name it
 * checked; one per route.
 */
public final class MessageMapper {

  static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final String NATS_MSG_ID = "Nats-Msg-Id";
  private static final String NATS_PREFIX = "nats-";

  private final String route;
  private final boolean provenance;
  /** {@code reply.from.kafka}'s topic, or null: where the Kafka side answers the NATS requests of this route. */
  private final String replyTopic;
  /**
   * The last destination name that passed a rule, and that rule (topic and subject rules differ: {@code a..b}
   * is a topic, not a subject). A plain field holding an immutable record: a stale value costs one more check.
   */
  private Checked lastValid;

  public MessageMapper(String route, boolean provenanceHeaders) {
    this(route, provenanceHeaders, Optional.empty());
  }

  public MessageMapper(String route, boolean provenanceHeaders, Optional<String> replyTopic) {
    this.route = route;
    this.provenance = provenanceHeaders;
    this.replyTopic = replyTopic.orElse(null);
  }

  /** The mapper of a route: its name, provenance setting and, with {@code reply.from.kafka}, its reply topic. */
  public static MessageMapper forRoute(RouteConfig config) {
    return new MessageMapper(config.name(), config.provenanceHeaders(),
        config.reply().flatMap(r -> r.match(fromKafka -> Optional.of(fromKafka.topic()), toKafka -> Optional.empty())));
  }

  /**
   * The message for the given destination, the route's {@code to}: a NATS request gains the request-reply
   * headers when the route has {@code reply.from.kafka}.
   */
  public OutboundMessage map(BridgeMessage in, SinkConfig sink) throws MappingException {
    return map(in, sink, true);
  }

  /** {@code request}: whether a NATS request gets its reply headers; never toward the dead letter. */
  private OutboundMessage map(BridgeMessage in, SinkConfig sink, boolean request) throws MappingException {
    byte[] key = MessageKeys.keyOf(in);
    boolean tombstone = isTombstone(in);
    MessageHeaders.Builder headers = in.headers().toBuilder();
    headers.removeIf(h -> ProvenanceHeaders.isProvenance(h.name()));
    return sink.match(
        kafka -> toKafka(in, kafka, headers, key, tombstone, request),
        nats -> toNats(in, nats.subject(), headers, key, tombstone, Optional.empty()),
        jetStream -> toNats(in, jetStream.subject(), headers, key, tombstone,
            Optional.of(in.position().deduplicationId())));
  }

  private OutboundMessage toKafka(BridgeMessage in, SinkConfig.Kafka kafka, MessageHeaders.Builder headers,
      byte[] key, boolean tombstone, boolean request) throws MappingException {
    addProvenance(headers, in, key, tombstone, false);
    if (request && replyTopic != null) {
      String replySubject = in.position().match(fromKafka -> null, SourcePosition.Nats::replyTo, jetStream -> null);
      if (replySubject != null && !replySubject.isEmpty()) {
        ReplyAddress.addRequestHeaders(headers, replyTopic, replySubject);
      }
    }
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
   * The record that carries a NATS service's reply to {@code request} into Kafka ({@code reply.to.kafka}):
   * <ul>
   *   <li>topic: the request's {@code kafka_replyTopic} (first value) when it has one, else {@code to.topic}
   *   filled from the request; either checked as a topic name (a bad one is a message error);</li>
   *   <li>key: {@code to.key} filled from the request, else the request's own key;</li>
   *   <li>payload: the reply's; an empty one marked {@code bridge-kafka-tombstone: true} becomes a null value,
   *   as on every way into Kafka;</li>
   *   <li>headers: the reply's (already decoded from NATS), without an earlier hop's provenance, with the
   *   request's {@code kafka_correlationId} in place of any the reply has (so that Spring's
   *   {@code ReplyingKafkaTemplate} matches it), and this hop's provenance: where the request record was
   *   ({@code bridge-kafka-topic}, {@code -partition}, {@code -offset}, {@code -timestamp}).</li>
   * </ul>
   * Trace headers are the tracer's business.
   */
  public OutboundMessage reply(BridgeMessage request, Reply reply, ReplyConfig.ToKafka to) throws MappingException {
    MessageHeaders.Builder headers = reply.headers().toBuilder();
    boolean tombstone = reply.payload().length == 0
        && reply.headers().firstString(ProvenanceHeaders.KAFKA_TOMBSTONE).map("true"::equals).orElse(false);
    headers.removeIf(h -> ProvenanceHeaders.isProvenance(h.name()));
    Optional<Header> correlation = request.headers().first(ReplyAddress.CORRELATION_ID);
    if (correlation.isPresent()) {
      headers.remove(ReplyAddress.CORRELATION_ID).add(correlation.get());
    }
    if (provenance) {
      request.position().match(
          kafka -> headers.add(ProvenanceHeaders.KAFKA_TOPIC, kafka.topic())
              .add(ProvenanceHeaders.KAFKA_PARTITION, Integer.toString(kafka.partition()))
              .add(ProvenanceHeaders.KAFKA_OFFSET, Long.toString(kafka.offset()))
              .add(ProvenanceHeaders.KAFKA_TIMESTAMP, Long.toString(kafka.timestamp())),
          nats -> headers, jetStream -> headers);
    }
    return new OutboundMessage(replyTopic(request, to), replyKey(request, to), tombstone ? null : reply.payload(),
        headers.build(), null);
  }

  /**
   * Fails as {@link #reply} would for want of a topic or key (an invalid {@code kafka_replyTopic}, a template that
   * cannot be filled), so that a request whose reply could never be written is not sent at all.
   */
  public void checkReply(BridgeMessage request, ReplyConfig.ToKafka to) throws MappingException {
    replyTopic(request, to);
    replyKey(request, to);
  }

  private String replyTopic(BridgeMessage request, ReplyConfig.ToKafka to) throws MappingException {
    Optional<String> asked = replyTopicOf(request);
    if (asked.isEmpty()) {
      return destination(to.topic(), request, NamingRules::kafkaTopic);
    }
    Optional<String> problem = NamingRules.kafkaTopic(asked.get());
    if (problem.isPresent()) {
      throw new MappingException(problem.get() + ", from the record's " + ReplyAddress.REPLY_TOPIC + " header");
    }
    return asked.get();
  }

  private byte[] replyKey(BridgeMessage request, ReplyConfig.ToKafka to) throws MappingException {
    return to.key().isPresent()
        ? render(to.key().get(), request).getBytes(StandardCharsets.UTF_8)
        : MessageKeys.keyOf(request);
  }

  /** The request record's {@code kafka_replyTopic}, which overrides {@code reply.to.kafka.topic}. */
  public static Optional<String> replyTopicOf(BridgeMessage request) {
    return request.headers().firstString(ReplyAddress.REPLY_TOPIC);
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
    return map(new BridgeMessage(in.payload(), in.key(), headers, in.position()), deadLetter, false);
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
