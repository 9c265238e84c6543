package dev.tracebridge.config;

import dev.tracebridge.mapping.Template;
import java.util.Map;
import java.util.Optional;

/** {@code to} or {@code dead-letter}: exactly one of {@code kafka}, {@code nats} or {@code jetstream}. */
public sealed interface SinkConfig {

  /** The configured destination template ({@code orders.{key}}), as span names show it. */
  Template destination();

  record Kafka(Template topic, Optional<Template> key, Map<String, String> properties) implements SinkConfig {
    public Kafka {
      properties = Map.copyOf(properties);
    }

    @Override
    public Template destination() {
      return topic;
    }
  }

  record Nats(Template subject) implements SinkConfig {
    @Override
    public Template destination() {
      return subject;
    }
  }

  record JetStream(Template subject) implements SinkConfig {
    @Override
    public Template destination() {
      return subject;
    }
  }
}
