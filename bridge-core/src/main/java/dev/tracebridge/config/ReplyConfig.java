package dev.tracebridge.config;

import dev.tracebridge.mapping.Template;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A route's {@code reply}: where the answers of a request-reply route travel. Exactly one of:
 * <ul>
 *   <li>{@code reply.from.kafka { topic }} on a route from core NATS to Kafka: requests carry a NATS reply
 *   subject, the Kafka side answers on {@code topic} (Spring Kafka's {@code kafka_replyTopic}) and the bridge
 *   delivers each answer to its requester;</li>
 *   <li>{@code reply.to.kafka { topic, key }} on a route from Kafka to {@code to.nats { request { timeout } }}:
 *   each record is sent as a NATS request and its reply written to Kafka.</li>
 * </ul>
 */
public sealed interface ReplyConfig {

  /**
   * Calls the branch of this reply's direction; see {@link dev.tracebridge.message.Case} (two directions, no
   * checked exceptions).
   */
  <R> R match(Function<? super FromKafka, R> fromKafka,
      Function<? super ToKafka, R> toKafka);

  /**
   * {@code reply.from.kafka}: answers to NATS requests are read from {@code topic} by the consumer group
   * {@code groupId} (default {@code bridge-<route>-replies}), and published to the requester's reply subject.
   */
  record FromKafka(String topic, String groupId) implements ReplyConfig {
    /** The bridge runs the answers as an internal route named after the route with this suffix. */
    public static final String RELAY_SUFFIX = "-replies";

    public FromKafka {
      Objects.requireNonNull(topic);
      Objects.requireNonNull(groupId);
    }

    @Override
    public <R> R match(Function<? super FromKafka, R> fromKafka,
        Function<? super ToKafka, R> toKafka) {
      return fromKafka.apply(this);
    }
  }

  /**
   * {@code reply.to.kafka}: the reply of each NATS request goes to the request record's {@code kafka_replyTopic}
   * when it has one, else to {@code topic}; {@code key} is filled from the request record.
   */
  record ToKafka(Template topic, Optional<Template> key) implements ReplyConfig {
    public ToKafka {
      Objects.requireNonNull(topic);
      Objects.requireNonNull(key);
    }

    @Override
    public <R> R match(Function<? super FromKafka, R> fromKafka,
        Function<? super ToKafka, R> toKafka) {
      return toKafka.apply(this);
    }

    /** As a sink of the route: the reply is produced with the route's Kafka settings. */
    public SinkConfig.Kafka asSink() {
      return new SinkConfig.Kafka(topic, key, Map.of());
    }
  }
}
