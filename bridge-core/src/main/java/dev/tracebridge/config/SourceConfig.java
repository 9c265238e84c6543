package dev.tracebridge.config;

import dev.tracebridge.message.Case;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code from}: exactly one of {@code kafka}, {@code nats} or {@code jetstream}. */
public sealed interface SourceConfig {

  /** Calls the branch of this endpoint's kind; see {@link Case} for why this replaces {@code instanceof}. */
  <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
      Case<? super JetStream, R, X> jetStream) throws X;

  /** {@code from.kafka}: {@code topics} or {@code topic-pattern}; group id defaults to {@code bridge-<route>}. */
  record Kafka(List<String> topics, Optional<String> topicPattern, String groupId, StartFrom startFrom,
               Map<String, String> properties) implements SourceConfig {
    public Kafka {
      topics = List.copyOf(topics);
      properties = Map.copyOf(properties);
    }

    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return kafka.apply(this);
    }

    /** The source as span names show it: the topic pattern, or the topics joined with a comma. */
    public String displayName() {
      return topicPattern.orElseGet(() -> String.join(",", topics));
    }

    /** Property values hidden: they may be secrets. */
    @Override
    public String toString() {
      return "Kafka[topics=" + topics + ", topicPattern=" + topicPattern + ", groupId=" + groupId
          + ", startFrom=" + startFrom + ", properties=" + Secret.redacted(properties) + "]";
    }
  }

  /** {@code from.nats}: core NATS, at most once by nature. */
  record Nats(String subject, Optional<String> queueGroup) implements SourceConfig {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return nats.apply(this);
    }
  }

  /** {@code from.jetstream}: a durable pull consumer on {@code stream}; durable defaults to {@code bridge-<route>}. */
  record JetStream(String stream, Optional<String> subject, String durable) implements SourceConfig {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return jetStream.apply(this);
    }
  }

  enum StartFrom { EARLIEST, LATEST }
}
