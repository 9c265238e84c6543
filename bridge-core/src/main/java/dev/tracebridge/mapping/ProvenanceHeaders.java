package dev.tracebridge.mapping;

/**
 * Names of the headers the bridge adds to say where a message came from. A later hop replaces them
 * (every name below is removed before the new ones are added), so they never pile up.
 */
public final class ProvenanceHeaders {

  public static final String KAFKA_TOPIC = "bridge-kafka-topic";
  public static final String KAFKA_PARTITION = "bridge-kafka-partition";
  public static final String KAFKA_OFFSET = "bridge-kafka-offset";
  public static final String KAFKA_TIMESTAMP = "bridge-kafka-timestamp";
  /** The record key, so that a NATS hop can give it back to Kafka. Carries data: kept even without provenance. */
  public static final String KAFKA_KEY = "bridge-kafka-key";
  /** {@code true} when the record value was null. Carries data: kept even without provenance. */
  public static final String KAFKA_TOMBSTONE = "bridge-kafka-tombstone";
  public static final String NATS_SUBJECT = "bridge-nats-subject";
  public static final String NATS_STREAM = "bridge-nats-stream";
  public static final String NATS_SEQUENCE = "bridge-nats-sequence";

  private ProvenanceHeaders() {
  }

  /** True for every header this class names, so that a later hop can drop the earlier hop's set. */
  public static boolean isProvenance(String name) {
    return name.startsWith("bridge-kafka-") || name.startsWith("bridge-nats-");
  }
}
