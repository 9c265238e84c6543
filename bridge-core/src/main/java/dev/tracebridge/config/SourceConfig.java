package dev.tracebridge.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code from}: exactly one of {@code kafka}, {@code nats} or {@code jetstream}. */
public sealed interface SourceConfig {

  /** {@code from.kafka}: {@code topics} or {@code topic-pattern}; group id defaults to {@code bridge-<route>}. */
  record Kafka(List<String> topics, Optional<String> topicPattern, String groupId, StartFrom startFrom,
               Map<String, String> properties) implements SourceConfig {
    public Kafka {
      topics = List.copyOf(topics);
      properties = Map.copyOf(properties);
    }

    /** The source as span names show it: the topic pattern, or the topics joined with a comma. */
    public String displayName() {
      return topicPattern.orElseGet(() -> String.join(",", topics));
    }
  }

  /** {@code from.nats}: core NATS, at most once by nature. */
  record Nats(String subject, Optional<String> queueGroup) implements SourceConfig {
  }

  /** {@code from.jetstream}: a durable pull consumer on {@code stream}; durable defaults to {@code bridge-<route>}. */
  record JetStream(String stream, Optional<String> subject, String durable) implements SourceConfig {
  }

  enum StartFrom { EARLIEST, LATEST }
}
