package dev.tracebridge.tracing;

import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_ANONYMOUS;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_PARTITION_ID;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_TEMPLATE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_DESTINATION_TEMPORARY;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_MESSAGE_KEY;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_MESSAGE_TOMBSTONE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_KAFKA_OFFSET;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_BODY_SIZE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_CONVERSATION_ID;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_MESSAGE_ID;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.mapping.ReplyAddress;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MessagingOperationTypeIncubatingValues;

/**
 * What a route's send spans to one destination (its {@code to} or its {@code dead-letter}) have in common,
 * computed once: the span name ({@code send <topic>} to Kafka, {@code publish <subject>} to NATS and
 * JetStream, {@code request <subject>} for a NATS request, the template as configured) and the attributes
 * that do not depend on the message.
 */
final class SendTarget {

  private final String spanName;
  private final Attributes constantAttributes;
  /** Key, tombstone, partition and offset: what only a Kafka record has. */
  private final boolean kafka;
  /** JetStream: the {@code Nats-Msg-Id} is the message id before the send, not only once it is confirmed. */
  private final boolean idBeforeSend;
  /** Answers to NATS requesters: {@code messaging.message.conversation_id} from {@code kafka_correlationId}. */
  private final boolean conversation;

  SendTarget(SinkConfig sink, BridgeConfig bridge, String route) {
    Sent sent = sink.match(
        kafka -> new Sent(Broker.kafka(bridge), "send", true, false),
        nats -> new Sent(Broker.nats(bridge), nats.requestTimeout().isPresent() ? "request" : "publish", false, false),
        jetStream -> new Sent(Broker.nats(bridge), "publish", false, true));
    this.kafka = sent.kafka();
    this.idBeforeSend = sent.idBeforeSend();
    String template = sink.destination().text();
    this.spanName = sent.operation() + " " + template;
    AttributesBuilder attributes = sent.broker()
        .attributes(sent.operation(), MessagingOperationTypeIncubatingValues.SEND, route);
    if (!sink.destination().isConstant()) {
      attributes.put(MESSAGING_DESTINATION_TEMPLATE, template);
    }
    this.constantAttributes = attributes.build();
    this.conversation = false;
  }

  /**
   * The answers of a request-reply route, published to each requester's reply subject. That subject is a
   * temporary, anonymous destination (an inbox with a generated name), so, as the messaging conventions ask,
   * it is left out of the span name ({@code publish}) and marked {@code messaging.destination.temporary} and
   * {@code messaging.destination.anonymous}; {@code messaging.destination.name} still has it.
   */
  static SendTarget natsRequesters(BridgeConfig bridge, String route) {
    return new SendTarget(bridge, route);
  }

  private SendTarget(BridgeConfig bridge, String route) {
    String operation = "publish";
    this.kafka = false;
    this.idBeforeSend = false;
    this.conversation = true;
    this.spanName = operation;
    this.constantAttributes = Broker.nats(bridge)
        .attributes(operation, MessagingOperationTypeIncubatingValues.SEND, route)
        .put(MESSAGING_DESTINATION_TEMPORARY, true)
        .put(MESSAGING_DESTINATION_ANONYMOUS, true)
        .build();
  }

  /** What differs between the kinds of destination. */
  private record Sent(Broker broker, String operation, boolean kafka, boolean idBeforeSend) {
  }

  String spanName() {
    return spanName;
  }

  /** The attributes known before the send: destination, message id (JetStream), key, tombstone, size. */
  void describe(SpanBuilder span, OutboundMessage outbound) {
    span.setAllAttributes(constantAttributes)
        .setAttribute(MESSAGING_DESTINATION_NAME, outbound.destination())
        .setAttribute(MESSAGING_MESSAGE_BODY_SIZE, (long) outbound.payloadSize());
    if (conversation) {
      outbound.headers().firstString(ReplyAddress.CORRELATION_ID)
          .ifPresent(id -> span.setAttribute(MESSAGING_MESSAGE_CONVERSATION_ID, id));
    }
    if (idBeforeSend && outbound.messageId() != null) {
      span.setAttribute(MESSAGING_MESSAGE_ID, outbound.messageId());
    }
    if (kafka) {
      String key = SpanAttributes.keyAsText(outbound.key());
      if (key != null) {
        span.setAttribute(MESSAGING_KAFKA_MESSAGE_KEY, key);
      }
      if (outbound.payload() == null) {
        span.setAttribute(MESSAGING_KAFKA_MESSAGE_TOMBSTONE, true);
      }
    }
  }

  /** What the destination confirmed: Kafka partition, offset and {@code topic-partition-offset}; JetStream id. */
  void confirmed(Span span, SendReceipt receipt) {
    if (receipt.messageId() != null) {
      span.setAttribute(MESSAGING_MESSAGE_ID, receipt.messageId());
    }
    if (kafka) {
      receipt.partition().ifPresent(p -> span.setAttribute(MESSAGING_DESTINATION_PARTITION_ID, Integer.toString(p)));
      receipt.offset().ifPresent(o -> span.setAttribute(MESSAGING_KAFKA_OFFSET, o));
    }
    if (receipt.duplicate()) {
      span.setAttribute(SpanAttributes.BRIDGE_DUPLICATE, true);
    }
  }
}
