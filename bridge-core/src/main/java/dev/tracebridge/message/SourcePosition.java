package dev.tracebridge.message;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where a message came from. It fills templates ({@code {topic}}, {@code {partition}}, {@code {offset}},
 * {@code {subject}}), the provenance headers, the dead-letter source URI, the span attributes and the
 * JetStream deduplication id.
 */
public sealed interface SourcePosition {

  /** {@code kafka://orders/3@1234}, {@code jetstream://EVENTS/57}, {@code nats://events.eu.created}. */
  String uri();

  /**
   * The id a JetStream publish uses for deduplication: {@code topic-partition-offset},
   * {@code stream-sequence}, or {@code nats-<instance>-<n>} for core NATS.
   */
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

  /**
   * A core NATS message. It has no position that survives a restart, so its deduplication id is
   * {@code nats-<instance>-<localSequence>}: {@code instance} is a random id drawn once per source
   * object (a new one in every process and after every restart, see {@link #newInstanceId}) and
   * {@code localSequence} counts that source's messages from 1. Two different messages never share an
   * id, across processes, restarts and routes, so a JetStream stream never drops one as a duplicate of
   * another; redelivery is no concern, since core NATS never redelivers.
   *
   * <p>{@code replyTo} is the message's reply subject (a NATS request's inbox), or null: a route with
   * {@code reply.from.kafka} turns it into the Kafka request's {@code kafka_correlationId}.
   */
  record Nats(String subject, String instance, long localSequence, String replyTo) implements SourcePosition {

    /** Instance ids are drawn from here, never from a seeded or time-based generator. */
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The instance id of positions built without one. */
    private static final String PROCESS_INSTANCE = newInstanceId();

    public Nats {
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(instance, "instance");
    }

    /** A message without a reply subject. */
    public Nats(String subject, String instance, long localSequence) {
      this(subject, instance, localSequence, null);
    }

    /** With this process's shared instance id; for code that builds positions outside a source (tests). */
    public Nats(String subject, long localSequence) {
      this(subject, PROCESS_INSTANCE, localSequence);
    }

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
      return "nats-" + instance + "-" + localSequence;
    }

    /**
     * 128 random bits as 32 hex digits: the chance that two instances ever draw the same id is
     * negligible, unlike a host name, a pid or a start time, which repeat across containers.
     */
    public static String newInstanceId() {
      byte[] bits = new byte[16];
      RANDOM.nextBytes(bits);
      return HexFormat.of().formatHex(bits);
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
