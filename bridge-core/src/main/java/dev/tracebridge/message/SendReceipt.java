package dev.tracebridge.message;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What the destination confirmed: for Kafka the partition and offset, for JetStream the stream
 * sequence and whether the publish was a duplicate, for core NATS only that the connection flushed.
 */
public record SendReceipt(String destination, OptionalInt partition, OptionalLong offset, String messageId, boolean duplicate) {

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
}
