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

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.SourcePosition;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanBuilder;
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
    Consumed consumed = source.match(
        kafka -> new Consumed(Broker.kafka(bridge), kafka.displayName(), Optional.of(kafka.groupId()),
            kafka.topicPattern()),
        nats -> new Consumed(Broker.nats(bridge), nats.subject(), nats.queueGroup(), wildcardSubject(nats.subject())),
        jetStream -> new Consumed(Broker.nats(bridge), jetStream.subject().orElse(jetStream.stream()),
            Optional.of(jetStream.durable()), jetStream.subject().flatMap(ProcessSource::wildcardSubject)));
    AttributesBuilder attributes = consumed.broker().attributes(PROCESS, PROCESS, route);
    consumed.group().ifPresent(g -> attributes.put(MESSAGING_CONSUMER_GROUP_NAME, g));
    consumed.template().ifPresent(t -> attributes.put(MESSAGING_DESTINATION_TEMPLATE, t));
    this.spanName = PROCESS + " " + consumed.display();
    this.constantAttributes = attributes.build();
  }

  /** What the span shows of a configured source: its broker, name, consumer group and wildcard form. */
  private record Consumed(Broker broker, String display, Optional<String> group, Optional<String> template) {
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
    message.position().match(
        kafka -> describeKafka(span, kafka, message),
        nats -> span.setAttribute(MESSAGING_DESTINATION_NAME, nats.subject()),
        jetStream -> span.setAttribute(MESSAGING_DESTINATION_NAME, jetStream.subject())
            .setAttribute(MESSAGING_MESSAGE_ID, Long.toString(jetStream.streamSequence())));
  }

  private static SpanBuilder describeKafka(SpanBuilder span, SourcePosition.Kafka position, BridgeMessage message) {
    span.setAttribute(MESSAGING_DESTINATION_NAME, position.topic())
        .setAttribute(MESSAGING_DESTINATION_PARTITION_ID, Integer.toString(position.partition()))
        .setAttribute(MESSAGING_KAFKA_OFFSET, position.offset());
    String key = SpanAttributes.keyAsText(message.key());
    if (key != null) {
      span.setAttribute(MESSAGING_KAFKA_MESSAGE_KEY, key);
    }
    if (message.payload() == null) {
      span.setAttribute(MESSAGING_KAFKA_MESSAGE_TOMBSTONE, true);
    }
    return span;
  }
}
