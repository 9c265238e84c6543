package dev.tracebridge.config;

import java.util.Map;

/**
 * {@code bridge.kafka}: the cluster every Kafka endpoint uses. {@code properties} are passed to every
 * Kafka client as they are (they may hold secrets such as {@code sasl.jaas.config}: never log them).
 */
public record KafkaClusterConfig(String bootstrapServers, Map<String, String> properties) {
  public KafkaClusterConfig {
    properties = Map.copyOf(properties);
  }

  /** Property values hidden: they may be secrets. */
  @Override
  public String toString() {
    return "KafkaClusterConfig[bootstrapServers=" + bootstrapServers + ", properties=" + Secret.redacted(properties) + "]";
  }
}
