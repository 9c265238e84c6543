package dev.tracebridge.runtime;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.kafka.KafkaSink;
import dev.tracebridge.kafka.KafkaSource;
import dev.tracebridge.nats.JetStreamSink;
import dev.tracebridge.nats.JetStreamSource;
import dev.tracebridge.nats.NatsCoreSource;
import dev.tracebridge.nats.NatsSink;
import dev.tracebridge.route.Sink;
import dev.tracebridge.route.Source;

/** The only place that knows the endpoint kinds: it turns a route's configuration into its source and sinks. */
final class Endpoints {

  private Endpoints() {
  }

  static Source source(RouteConfig route, BridgeConfig bridge) {
    if (route.from() instanceof SourceConfig.Kafka kafka) {
      return new KafkaSource(route.name(), kafka, bridge.kafka());
    }
    if (route.from() instanceof SourceConfig.Nats nats) {
      return new NatsCoreSource(route.name(), nats, bridge.nats(), route.inFlight());
    }
    SourceConfig.JetStream jetStream = (SourceConfig.JetStream) route.from();
    return new JetStreamSource(route.name(), jetStream, bridge.nats(), route.inFlight().maxMessages());
  }

  /** A sink for the route's destination or dead letter; {@code role} names its client ({@code bridge-orders-sink}). */
  static Sink sink(RouteConfig route, String role, SinkConfig sink, BridgeConfig bridge) {
    String clientName = "bridge-" + route.name() + "-" + role;
    if (sink instanceof SinkConfig.Kafka kafka) {
      return new KafkaSink(clientName, kafka.properties(), bridge.kafka());
    }
    if (sink instanceof SinkConfig.Nats) {
      return new NatsSink(clientName, bridge.nats(), route.inFlight());
    }
    return new JetStreamSink(clientName, bridge.nats(), route.inFlight());
  }
}
