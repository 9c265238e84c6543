package dev.tracebridge.config;

import dev.tracebridge.mapping.Template;
import dev.tracebridge.message.Case;
import java.util.Map;
import java.util.Optional;

/** {@code to} or {@code dead-letter}: exactly one of {@code kafka}, {@code nats} or {@code jetstream}. */
public sealed interface SinkConfig {

  /** The configured destination template ({@code orders.{key}}), as span names show it. */
  Template destination();

  /** Calls the branch of this endpoint's kind; see {@link Case} for why this replaces {@code instanceof}. */
  <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
      Case<? super JetStream, R, X> jetStream) throws X;

  record Kafka(Template topic, Optional<Template> key, Map<String, String> properties) implements SinkConfig {
    public Kafka {
      properties = Map.copyOf(properties);
    }

    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return kafka.apply(this);
    }

    @Override
    public Template destination() {
      return topic;
    }

    /** Property values hidden: they may be secrets. */
    @Override
    public String toString() {
      return "Kafka[topic=" + topic + ", key=" + key + ", properties=" + Secret.redacted(properties) + "]";
    }
  }

  record Nats(Template subject) implements SinkConfig {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return nats.apply(this);
    }

    @Override
    public Template destination() {
      return subject;
    }
  }

  record JetStream(Template subject) implements SinkConfig {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return jetStream.apply(this);
    }

    @Override
    public Template destination() {
      return subject;
    }
  }
}
