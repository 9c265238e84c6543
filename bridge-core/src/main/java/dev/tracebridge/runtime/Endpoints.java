package dev.tracebridge.runtime;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.kafka.KafkaSink;
import dev.tracebridge.kafka.KafkaSource;
import dev.tracebridge.nats.JetStreamSink;
import dev.tracebridge.nats.JetStreamSource;
import dev.tracebridge.nats.NatsCoreSource;
import dev.tracebridge.nats.NatsRequestSink;
import dev.tracebridge.nats.NatsSink;
import dev.tracebridge.route.Sink;
import dev.tracebridge.route.Source;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a route's configuration into its source and sinks: the one place that names the client classes
 * of each endpoint kind. Each {@code match} lists every kind, so a new kind does not compile until it has both.
 */
final class Endpoints {

  private static final String LINGER = "linger.ms";

  private Endpoints() {
  }

  static Source source(RouteConfig route, BridgeConfig bridge) {
    return route.from().match(
        kafka -> new KafkaSource(route.name(), kafka, bridge.kafka()),
        nats -> new NatsCoreSource(route.name(), nats, bridge.nats(), route.inFlight()),
        jetStream -> new JetStreamSource(route.name(), jetStream, bridge.nats(), route.inFlight().maxMessages()));
  }

  /** A sink for the route's destination or dead letter; {@code role} names its client ({@code bridge-orders-sink}). */
  static Sink sink(RouteConfig route, String role, SinkConfig sink, BridgeConfig bridge) {
    String clientName = "bridge-" + route.name() + "-" + role;
    return sink.match(
        kafka -> new KafkaSink(clientName, producerProperties(route, role, kafka.properties(), bridge), bridge.kafka()),
        nats -> nats.requestTimeout().isPresent()
            ? new NatsRequestSink(clientName, bridge.nats(), route.inFlight(), nats.requestTimeout().get())
            : new NatsSink(clientName, bridge.nats(), route.inFlight()),
        jetStream -> new JetStreamSink(clientName, bridge.nats(), route.inFlight()));
  }

  /**
   * The producer properties of a Kafka sink in {@code role}: the route's, except on the sink of a request route
   * ({@code reply.from.kafka}), where a NATS requester waits for each request's answer, so the request is sent at
   * once ({@code linger.ms=0}, unless the route's or the bridge's properties set it), as the replies of
   * {@link #replySink} are. The producer's own 5 ms linger added about 5 ms to every round trip at one
   * outstanding request (RequestReplyBenchmark, nats-requester).
   */
  static Map<String, String> producerProperties(RouteConfig route, String role, Map<String, String> routeProperties,
                                                BridgeConfig bridge) {
    boolean requestRoute = route.reply().map(reply -> reply.match(fromKafka -> true, toKafka -> false)).orElse(false);
    if (!"sink".equals(role) || !requestRoute || routeProperties.containsKey(LINGER)
        || bridge.kafka().properties().containsKey(LINGER)) {
      return routeProperties;
    }
    Map<String, String> properties = new HashMap<>(routeProperties);
    properties.put(LINGER, "0");
    return properties;
  }

  /**
   * {@code reply.to.kafka}: the producer of the replies to the route's NATS requests ({@code bridge-<route>-reply}),
   * with the bridge's Kafka settings; empty on every other route. A requester waits for each reply, so the
   * producer sends at once ({@code linger.ms=0}, unless {@code bridge.kafka.properties} sets it): under load it
   * still batches what gathers while a send is under way.
   */
  static Optional<Sink> replySink(RouteConfig route, BridgeConfig bridge) {
    Map<String, String> producer = bridge.kafka().properties().containsKey(LINGER)
        ? Map.of()
        : Map.of(LINGER, "0");
    return route.reply().flatMap(reply -> reply.match(fromKafka -> Optional.<Sink>empty(),
        toKafka -> Optional.of(new KafkaSink("bridge-" + route.name() + "-reply", producer, bridge.kafka()))));
  }
}
