package dev.tracebridge.reply;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ReplyConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.kafka.KafkaSource;
import dev.tracebridge.mapping.MappingException;
import dev.tracebridge.mapping.MessageMapper;
import dev.tracebridge.mapping.ReplyAddress;
import dev.tracebridge.mapping.Template;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.nats.NatsSink;
import dev.tracebridge.nats.NoRespondersInbox;
import dev.tracebridge.route.RouteRunner;
import dev.tracebridge.route.Sink;
import dev.tracebridge.tracing.RelayTracer;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The answers of a route with {@code reply.from.kafka} (NATS request → Kafka service → NATS reply): an
 * internal route named {@code <route>-replies} that the bridge runs beside it. It is a {@link RouteRunner}
 * like any other, so it has the engine's guarantees (order per partition, an offset committed only after
 * the answer's NATS publish was flushed, retries, drain on shutdown) and shows in {@code /routes},
 * {@code /readyz} and {@code /metrics}:
 * <ul>
 *   <li>source: the reply topic, in the consumer group {@code reply.from.kafka.group-id}; a new group starts at
 *       the end of the topic, since older answers have no requester left. Only the bridge's answers reach the
 *       route ({@link OwnReplies});</li>
 *   <li>mapping: the usual Kafka → NATS mapping (header codec, provenance, trace headers), to the subject
 *       that the answer's {@code kafka_correlationId} names;</li>
 *   <li>sink: core NATS, confirmed by a flush, each publish carrying a reply subject of the bridge's own so
 *       that an answer whose requester has gone is counted ({@link NoRespondersInbox});</li>
 *   <li>the parent's retry, in-flight, tracing, provenance and dead-letter settings.</li>
 * </ul>
 * The relay's configuration is derived from its parent's alone, so a reload starts, restarts or stops it
 * exactly when its own settings change, which includes every change of the parent's reply settings.
 */
public final class ReplyRelay {

  /** Appended to the parent route's name. */
  public static final String SUFFIX = ReplyConfig.FromKafka.RELAY_SUFFIX;

  /**
   * The relay's {@code to}: it shows in {@code /routes} and identifies a relay's configuration (by identity;
   * no configuration file can produce this instance). The real subject comes from each answer.
   */
  private static final SinkConfig.Nats REQUESTERS =
      new SinkConfig.Nats(Template.parse("(reply subject of each request)"));
  /** What the mapping fills; replaced by the answer's subject. */
  private static final SinkConfig.Nats MAPPED = new SinkConfig.Nats(Template.parse("reply"));

  private ReplyRelay() {
  }

  /** The configured routes, each followed by its reply relay when it has {@code reply.from.kafka}. */
  public static List<RouteConfig> withRelays(List<RouteConfig> routes) {
    List<RouteConfig> out = new ArrayList<>(routes.size());
    for (RouteConfig route : routes) {
      out.add(route);
      relayOf(route).ifPresent(out::add);
    }
    return out;
  }

  /** The reply relay's configuration for a route with {@code reply.from.kafka}. */
  public static Optional<RouteConfig> relayOf(RouteConfig parent) {
    return parent.reply().flatMap(reply -> reply.match(
        fromKafka -> Optional.of(relay(parent, fromKafka)),
        toKafka -> Optional.<RouteConfig>empty()));
  }

  private static RouteConfig relay(RouteConfig parent, ReplyConfig.FromKafka reply) {
    SourceConfig.Kafka answers = new SourceConfig.Kafka(List.of(reply.topic()), Optional.empty(), reply.groupId(),
        SourceConfig.StartFrom.LATEST, Map.of());
    return new RouteConfig(parent.name() + SUFFIX, answers, REQUESTERS, parent.retry(), parent.deadLetter(),
        parent.provenanceHeaders(), parent.tracing(), parent.inFlight());
  }

  /** True for a configuration made by {@link #relayOf}. */
  public static boolean isRelay(RouteConfig route) {
    return route.to() == REQUESTERS;
  }

  /** The running relay for a configuration made by {@link #relayOf}. */
  public static RouteRunner runner(RouteConfig relay, BridgeConfig bridge, Optional<Sink> deadLetter,
      OpenTelemetry otel, MeterRegistry meters, int configVersion) {
    if (!isRelay(relay)) {
      throw new IllegalArgumentException("not a reply relay: " + relay.name());
    }
    SourceConfig.Kafka answers = relay.from().match(kafka -> kafka, nats -> null, jetStream -> null);
    DroppedReplies dropped = new DroppedReplies(relay.name(), meters);
    String client = "bridge-" + relay.name();
    NoRespondersInbox inbox = new NoRespondersInbox(dropped::noResponders);
    return new RouteRunner(relay, ReplyRelay::toRequester,
        new OwnReplies(new KafkaSource(relay.name(), answers, bridge.kafka()), dropped),
        NatsSink.forAnswers(client + "-sink", bridge.nats(), relay.inFlight(), inbox),
        deadLetter, Optional.empty(), RelayTracer.forAnswers(otel, bridge, relay), meters, configVersion);
  }

  /** The answer as a NATS message to the subject its correlation id names. */
  private static OutboundMessage toRequester(MessageMapper mapper, BridgeMessage answer) throws MappingException {
    ReplyAddress.Decoded to = ReplyAddress.decode(answer.headers());
    if (!to.isOurs()) { // OwnReplies let only ours through
      throw new MappingException("not an answer to a NATS request: " + to.dropReason().label());
    }
    OutboundMessage out = mapper.map(answer, MAPPED);
    return new OutboundMessage(to.subject(), out.key(), out.payload(), out.headers(), out.messageId());
  }
}
