package dev.tracebridge.tracing;

import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_CONSUMER_GROUP_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_PARTITION_ID;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_TEMPLATE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_MESSAGE_KEY;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_MESSAGE_TOMBSTONE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_OFFSET;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_BODY_SIZE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_ID;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_TYPE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_SYSTEM;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.SourcePosition;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MessagingOperationTypeIncubatingValues;
import java.util.Optional;

/**
 * What a route's CONSUMER spans have in common, computed once. The span is named after the source as
 * configured, never after one message, so that names stay low-cardinality:
 * <ul>
 *   <li>Kafka: the topic pattern, or the topics joined with a comma ({@code process orders});
 *   <li>NATS: the subscribed subject with its wildcards ({@code process events.>});
 *   <li>JetStream: the filter subject when the route sets one, else the stream name. The filter subject is
 *       preferred because it is what the message's {@code messaging.destination.name} (its subject) matches;
 *       without a filter the consumer takes every subject of the stream, and the stream names that set.
 * </ul>
 * {@code messaging.destination.template} holds the configured form when it has wildcards (a Kafka topic
 * pattern, a NATS subject with {@code *} or {@code >}).
 */
final class ProcessSource {

  private static final String PROCESS = MessagingOperationTypeIncubatingValues.PROCESS;

  private final String spanName;
  private final Attributes constantAttributes;

  ProcessSource(SourceConfig source, BridgeConfig bridge, String route) {
    AttributesBuilder attributes = Attributes.builder();
    String display;
    String group;
    Optional<String> template;
    if (source instanceof SourceConfig.Kafka k) {
      display = k.displayName();
      group = k.groupId();
      template = k.topicPattern();
    } else if (source instanceof SourceConfig.Nats n) {
      display = n.subject();
      group = n.queueGroup().orElse(null);
      template = wildcardSubject(n.subject());
    } else {
      SourceConfig.JetStream j = (SourceConfig.JetStream) source;
      display = j.subject().orElse(j.stream());
      group = j.durable();
      template = j.subject().flatMap(ProcessSource::wildcardSubject);
    }
    boolean kafka = source instanceof SourceConfig.Kafka;
    ServerEndpoint server = kafka
        ? ServerEndpoint.fromKafkaBootstrap(bridge.kafka().bootstrapServers())
        : ServerEndpoint.fromNatsUrl(bridge.nats().servers().get(0));
    attributes
        .put(MESSAGING_SYSTEM, kafka ? SpanAttributes.SYSTEM_KAFKA : SpanAttributes.SYSTEM_NATS)
        .put(MESSAGING_OPERATION_NAME, PROCESS)
        .put(MESSAGING_OPERATION_TYPE, PROCESS)
        .put(ServerAttributes.SERVER_ADDRESS, server.address())
        .put(ServerAttributes.SERVER_PORT, (long) server.port())
        .put(SpanAttributes.BRIDGE_ROUTE, route);
    if (group != null) {
      attributes.put(MESSAGING_CONSUMER_GROUP_NAME, group);
    }
    template.ifPresent(t -> attributes.put(MESSAGING_DESTINATION_TEMPLATE, t));
    this.spanName = PROCESS + " " + display;
    this.constantAttributes = attributes.build();
  }

  private static Optional<String> wildcardSubject(String subject) {
    for (String token : subject.split("\\.")) {
      if (token.equals("*") || token.equals(">")) {
        return Optional.of(subject);
      }
    }
    return Optional.empty();
  }

  String spanName() {
    return spanName;
  }

  /** The attributes of one message: where exactly it came from, its key, size and id. */
  void describe(SpanBuilder span, BridgeMessage message) {
    span.setAllAttributes(constantAttributes)
        .setAttribute(MESSAGING_MESSAGE_BODY_SIZE, (long) message.payloadSize());
    SourcePosition position = message.position();
    if (position instanceof SourcePosition.Kafka k) {
      span.setAttribute(MESSAGING_DESTINATION_NAME, k.topic())
          .setAttribute(MESSAGING_DESTINATION_PARTITION_ID, Integer.toString(k.partition()))
          .setAttribute(MESSAGING_KAFKA_OFFSET, k.offset());
      String key = SpanAttributes.keyAsText(message.key());
      if (key != null) {
        span.setAttribute(MESSAGING_KAFKA_MESSAGE_KEY, key);
      }
      if (message.payload() == null) {
        span.setAttribute(MESSAGING_KAFKA_MESSAGE_TOMBSTONE, true);
      }
    } else if (position instanceof SourcePosition.JetStream j) {
      span.setAttribute(MESSAGING_DESTINATION_NAME, j.subject())
          .setAttribute(MESSAGING_MESSAGE_ID, Long.toString(j.streamSequence()));
    } else {
      span.setAttribute(MESSAGING_DESTINATION_NAME, ((SourcePosition.Nats) position).subject());
    }
  }
}
