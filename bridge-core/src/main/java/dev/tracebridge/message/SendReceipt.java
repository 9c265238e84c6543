package dev.tracebridge.message;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What the destination confirmed: for Kafka the partition and offset, for JetStream the stream
 * sequence and whether the publish was a duplicate, for core NATS only that the connection flushed, for
 * a NATS request the reply ({@link #reply}, null for every other send).
 */
public record SendReceipt(String destination, OptionalInt partition, OptionalLong offset, String messageId,
                          boolean duplicate, Reply reply) {

  public SendReceipt(String destination, OptionalInt partition, OptionalLong offset, String messageId,
                     boolean duplicate) {
    this(destination, partition, offset, messageId, duplicate, null);
  }

  public static SendReceipt kafka(String topic, int partition, long offset) {
    return new SendReceipt(topic, OptionalInt.of(partition), OptionalLong.of(offset),
        topic + "-" + partition + "-" + offset, false);
  }

  public static SendReceipt jetStream(String subject, long streamSequence, String messageId, boolean duplicate) {
    return new SendReceipt(subject, OptionalInt.empty(), OptionalLong.of(streamSequence), messageId, duplicate);
  }

  public static SendReceipt nats(String subject) {
    return new SendReceipt(subject, OptionalInt.empty(), OptionalLong.empty(), null, false);
  }

  /** A NATS request to {@code subject} was answered. */
  public static SendReceipt answered(String subject, Reply reply) {
    return new SendReceipt(subject, OptionalInt.empty(), OptionalLong.empty(), null, false, reply);
  }
}
