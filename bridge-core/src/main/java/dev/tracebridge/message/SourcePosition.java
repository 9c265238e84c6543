package dev.tracebridge.message;


/**
 * Where a message came from. It fills templates ({@code {topic}}, {@code {partition}}, {@code {offset}},
 * {@code {subject}}), the provenance headers, the dead-letter source URI, the span attributes and the
 * JetStream deduplication id.
 */
public sealed interface SourcePosition {

  /** {@code kafka://orders/3@1234}, {@code jetstream://EVENTS/57}, {@code nats://events.eu.created}. */
  String uri();

  /** The id a JetStream publish uses for deduplication: {@code topic-partition-offset} or {@code stream-sequence}. */
  String deduplicationId();

  /** Calls the branch of this position's kind; see {@link Case} for why this replaces {@code instanceof}. */
  <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
      Case<? super JetStream, R, X> jetStream) throws X;

  record Kafka(String topic, int partition, long offset, long timestamp) implements SourcePosition {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return kafka.apply(this);
    }

    @Override
    public String uri() {
      return "kafka://" + topic + "/" + partition + "@" + offset;
    }

    @Override
    public String deduplicationId() {
      return topic + "-" + partition + "-" + offset;
    }
  }

  /** A core NATS message; it has no position that survives a restart, so its id is only unique per process. */
  record Nats(String subject, long localSequence) implements SourcePosition {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return nats.apply(this);
    }

    @Override
    public String uri() {
      return "nats://" + subject;
    }

    @Override
    public String deduplicationId() {
      return "nats-" + subject + "-" + localSequence;
    }
  }

  record JetStream(String subject, String stream, long streamSequence, long deliveredCount, long timestampMillis)
      implements SourcePosition {
    @Override
    public <R, X extends Exception> R match(Case<? super Kafka, R, X> kafka, Case<? super Nats, R, X> nats,
        Case<? super JetStream, R, X> jetStream) throws X {
      return jetStream.apply(this);
    }

    @Override
    public String uri() {
      return "jetstream://" + stream + "/" + streamSequence;
    }

    @Override
    public String deduplicationId() {
      return stream + "-" + streamSequence;
    }
  }
}
