package dev.tracebridge.reply;

import dev.tracebridge.mapping.ReplyAddress.DropReason;
import dev.tracebridge.metrics.BridgeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bridge_replies_dropped_total{route,reason}}: answers on a reply topic that the reply relay does not
 * deliver, by reason. Every reason's series exists from the start, at 0. Tagged with the relay's own route
 * name, so that a reload that stops the relay removes them with its other series.
 */
final class DroppedReplies {

  private static final Logger LOG = LoggerFactory.getLogger(DroppedReplies.class);

  private final String route;
  private final Map<DropReason, Counter> counters = new EnumMap<>(DropReason.class);

  DroppedReplies(String route, MeterRegistry registry) {
    this.route = route;
    for (DropReason reason : DropReason.values()) {
      counters.put(reason, Counter.builder("bridge.replies.dropped")
          .description("Answers on a reply topic not delivered to a NATS requester: not the bridge's "
              + "(no-correlation-id, foreign-correlation-id, invalid-subject), or the requester has gone "
              + "(no-responders).")
          .tags(BridgeMetrics.ROUTE, route, "reason", reason.label())
          .register(registry));
    }
  }

  /** An answer that is not the bridge's, at this source position. */
  void notOurs(DropReason reason, String position) {
    counters.get(reason).increment();
    LOG.debug("route {}: {} is not an answer to a NATS request of the bridge ({}); acknowledged, not delivered",
        route, position, reason.label());
  }

  /** From the NATS client's dispatcher thread: an answer was published and nobody listens on its subject. */
  void noResponders(String subject) {
    counters.get(DropReason.NO_RESPONDERS).increment();
    LOG.debug("route {}: the requester of the answer to {} has gone (no responders); the answer is dropped", route,
        subject == null ? "an earlier reply subject" : subject);
  }

  long count(DropReason reason) {
    return (long) counters.get(reason).count();
  }
}
