package dev.tracebridge.tracing;

import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_NAME;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_OPERATION_TYPE;
import static io.opentelemetry.semconv.incubating.MessagingIncubatingAttributes.MESSAGING_SYSTEM;

import dev.tracebridge.config.BridgeConfig;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.semconv.ServerAttributes;

/**
 * The messaging system a span's endpoint belongs to ({@code messaging.system}) and the server it reaches.
 * NATS and JetStream share one: the conventions know JetStream only as NATS.
 */
record Broker(String system, ServerEndpoint server) {

  static Broker kafka(BridgeConfig bridge) {
    return new Broker(SpanAttributes.SYSTEM_KAFKA, ServerEndpoint.fromKafkaBootstrap(bridge.kafka().bootstrapServers()));
  }

  static Broker nats(BridgeConfig bridge) {
    return new Broker(SpanAttributes.SYSTEM_NATS, ServerEndpoint.fromNatsUrl(bridge.nats().servers().get(0)));
  }

  /** The attributes every span of a route's endpoint on this broker carries, whatever the message. */
  AttributesBuilder attributes(String operationName, String operationType, String route) {
    return Attributes.builder()
        .put(MESSAGING_SYSTEM, system)
        .put(MESSAGING_OPERATION_NAME, operationName)
        .put(MESSAGING_OPERATION_TYPE, operationType)
        .put(ServerAttributes.SERVER_ADDRESS, server.address())
        .put(ServerAttributes.SERVER_PORT, (long) server.port())
        .put(SpanAttributes.BRIDGE_ROUTE, route);
  }
}
