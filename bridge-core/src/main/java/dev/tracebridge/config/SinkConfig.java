package dev.tracebridge.config;

import dev.tracebridge.mapping.Template;
import dev.tracebridge.message.Case;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
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

  /**
   * {@code to.nats}, or {@code dead-letter.nats}. With {@code request { timeout }} (only on a route's {@code to},
   * with {@code reply.to.kafka}) each message is sent as a NATS request and its reply awaited that long.
   */
  record Nats(Template subject, Optional<Duration> requestTimeout) implements SinkConfig {
    public Nats {
      Objects.requireNonNull(subject);
      Objects.requireNonNull(requestTimeout);
    }

    /** A plain publish. */
    public Nats(Template subject) {
      this(subject, Optional.empty());
    }

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
